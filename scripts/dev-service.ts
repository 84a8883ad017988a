/**
 * `pnpm --filter @pos/<service> dev`: one service from its sources, restarted by `node --watch` whenever a file it
 * loaded changes, beside a `pnpm start` that leaves it out (`POS_DEV=<service> pnpm start`). It gets what the
 * launcher would have given it (the same database, secrets, ports and subgraph URLs), so the rest of the system
 * cannot tell the difference. The service is the package whose folder it runs in, or the first argument.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { embeddedPgUrl } from '@pos/kit';
import { ENTRIES, MALLOC_ENV, ROOT, systemEnv } from './launcher';
import { SERVICE_NAMES, type ServiceName, launcherPorts } from './ports';

function serviceName(): ServiceName {
  const named = process.argv[2] ?? readPackageName(process.cwd()).replace(/^@pos\//, '');
  if (!(SERVICE_NAMES as readonly string[]).includes(named)) {
    throw new Error(`${JSON.stringify(named)} is not a service (the services: ${SERVICE_NAMES.join(', ')})`);
  }
  return named as ServiceName;
}

function readPackageName(dir: string): string {
  const file = path.join(dir, 'package.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { name: string }).name : '';
}

function main() {
  let name: ServiceName;
  let ports: ReturnType<typeof launcherPorts>;
  try {
    name = serviceName();
    ports = launcherPorts();
  } catch (error) {
    console.error(`Cannot start: ${(error as Error).message}`);
    process.exitCode = 1;
    return;
  }
  const dataDir = path.resolve(ROOT, process.env.POS_DATA_DIR ?? '.data');
  const databaseUrl = process.env.DATABASE_URL ?? embeddedPgUrl(ports.postgres!, 'pos');
  const env = {
    ...MALLOC_ENV,
    ...systemEnv(databaseUrl, ports.base, dataDir),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  };
  const port = ports.services[name];
  console.log(
    `${name} from its sources on :${port}, restarted when they change (start the rest: POS_DEV=${name} pnpm start)`,
  );
  const child = spawn(
    process.execPath,
    ['--watch', '-r', path.join(ROOT, 'scripts/register.js'), path.join(ROOT, ENTRIES[name])],
    { cwd: ROOT, env: { ...env, PORT: String(port) }, stdio: 'inherit' },
  );
  // Ctrl-C reaches the child through the terminal's process group; SIGTERM from a supervisor is passed on.
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main();
