/**
 * The static checks of `pnpm test`, before jest: ESLint (with type information, about a minute, on one core) in one
 * lane, and in the other Prettier, both TypeScript projects and the schema and client code checks, one after another.
 * The two lanes run at once, which on two cores saves about the time of the shorter one. Each lane's output is
 * printed when it ends; the exit code is non-zero if any check failed.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);
const script = (file: string, ...args: string[]) => [process.execPath, '-r', './scripts/register.js', file, ...args];

const LANES: string[][][] = [
  [[bin('eslint'), '.']],
  [
    [bin('prettier'), '--check', '.'],
    [bin('tsc'), '-p', 'tsconfig.json', '--noEmit'],
    [bin('tsc'), '-p', 'apps/web/tsconfig.json'],
    script('scripts/compose.ts', '--check'),
    script('packages/client/codegen.ts', '--check'),
  ],
];

function run(command: string[]): Promise<{ ok: boolean; output: string; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve({ ok: false, output: `${output}${error.message}\n`, seconds: 0 }));
    child.on('close', (code) => resolve({ ok: code === 0, output, seconds: (Date.now() - started) / 1000 }));
  });
}

async function lane(commands: string[][]): Promise<boolean> {
  for (const command of commands) {
    const { ok, output, seconds } = await run(command);
    const name = [path.basename(command[0]), ...command.slice(1)].join(' ');
    process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${name} (${seconds.toFixed(1)} s)\n`);
    if (!ok || output.trim()) process.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
    // A lane stops at its first failure: what follows would only repeat it (a type error fails tsc and codegen).
    if (!ok) return false;
  }
  return true;
}

void Promise.all(LANES.map(lane)).then((results) => {
  process.exitCode = results.every(Boolean) ? 0 : 1;
});
