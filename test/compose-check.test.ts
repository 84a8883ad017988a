import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');

/** Runs `pnpm compose:check` (the same script) against a copy of schema/. */
async function composeCheck(schemaDir: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['-r', './scripts/register.js', 'scripts/compose.ts', '--check', '--schema-dir', schemaDir],
      { cwd: root },
    );
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('compose:check', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-schema-'));
    for (const file of fs.readdirSync(path.join(root, 'schema'))) {
      fs.copyFileSync(path.join(root, 'schema', file), path.join(dir, file));
    }
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('passes on the committed schema files', async () => {
    const { code, output } = await composeCheck(dir);
    expect(output).toContain('up to date');
    expect(code).toBe(0);
  });

  it("fails when a subgraph's schema no longer matches what the code emits", async () => {
    // The committed SDL lacks a field the code has: the same state as code changed without `pnpm compose`.
    const file = path.join(dir, 'orders.graphql');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^\s*timezone: String!\n/m, ''));
    const { code, output } = await composeCheck(dir);
    expect(code).toBe(1);
    expect(output).toContain('Stale schema files');
    expect(output).toContain('orders.graphql');
  });

  it('fails when the supergraph is missing', async () => {
    fs.rmSync(path.join(dir, 'supergraph.graphql'));
    const { code, output } = await composeCheck(dir);
    expect(code).toBe(1);
    expect(output).toContain('supergraph.graphql');
  });
});
