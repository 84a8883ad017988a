import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SERVICE_NAMES, type ServiceName, freeRun, servicePorts } from './ports';

export const ROOT = path.resolve(__dirname, '..');

export interface ServiceSpec {
  name: string;
  entry: string;
  port: number;
}

export const ENTRIES: Record<ServiceName, string> = {
  gateway: 'gateway/src/index.ts',
  orders: 'subgraphs/orders/src/index.ts',
  checks: 'subgraphs/checks/src/index.ts',
  payments: 'subgraphs/payments/src/index.ts',
  loyalty: 'subgraphs/loyalty/src/index.ts',
};

/**
 * The five processes of the system on their ports from `base` (see ports.ts), subgraphs first, with the environment
 * that points the gateway at them.
 */
export function services(base: number): { specs: ServiceSpec[]; urls: Record<string, string> } {
  const ports = servicePorts(base);
  const order: ServiceName[] = ['orders', 'checks', 'payments', 'loyalty', 'gateway'];
  const specs = order.map((name) => ({ name, entry: ENTRIES[name], port: ports[name] }));
  const urls = Object.fromEntries(
    specs
      .filter((s) => s.name !== 'gateway')
      .map((s) => [`${s.name.toUpperCase()}_URL`, `http://127.0.0.1:${s.port}/graphql`]),
  );
  return { specs, urls };
}

/**
 * Secrets the services share, generated once and kept with the data (mode 0600), so a restart keeps the same
 * signing-key encryption key and internal-context secret. Values in the environment win.
 */
export function loadOrCreateSecrets(dataDir: string): { INTERNAL_JWT_SECRET: string; KEY_ENCRYPTION_KEY: string } {
  const file = path.join(dataDir, 'secrets.json');
  let stored: Record<string, string> = {};
  if (fs.existsSync(file)) stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  const secrets = {
    INTERNAL_JWT_SECRET: stored.INTERNAL_JWT_SECRET ?? randomBytes(32).toString('base64url'),
    KEY_ENCRYPTION_KEY: stored.KEY_ENCRYPTION_KEY ?? randomBytes(32).toString('base64'),
  };
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return {
    INTERNAL_JWT_SECRET: process.env.INTERNAL_JWT_SECRET ?? secrets.INTERNAL_JWT_SECRET,
    KEY_ENCRYPTION_KEY: process.env.KEY_ENCRYPTION_KEY ?? secrets.KEY_ENCRYPTION_KEY,
  };
}

/** What every service of `pnpm start` is given: the database, the shared secrets, the subgraphs' URLs. */
export function systemEnv(databaseUrl: string, base: number, dataDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: databaseUrl,
    ...loadOrCreateSecrets(dataDir),
    ...services(base).urls,
    PUBLIC_URL: process.env.PUBLIC_URL ?? `http://localhost:${base}`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
}

/**
 * The services `POS_DEV` names (comma-separated), which `pnpm start` leaves for `pnpm --filter @pos/<name> dev` to
 * run from their sources; throws on a name that is not a service.
 */
export function devServices(env: NodeJS.ProcessEnv = process.env): ServiceName[] {
  const names = (env.POS_DEV ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(SERVICE_NAMES as readonly string[]).includes(name));
  if (unknown.length) {
    throw new Error(`POS_DEV names no service: ${unknown.join(', ')} (the services: ${SERVICE_NAMES.join(', ')})`);
  }
  return names as ServiceName[];
}

/**
 * glibc keeps the memory of large short-lived allocations (scrypt's 16 MiB per hash) in its arenas; returning blocks
 * of 128 KiB and more to the system at once took an idle gateway from about 300 to 220 MB RSS (docs/benchmarks.md, Subscribers).
 */
export const MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' };

/** Forks one service running its TypeScript entry point; the IPC channel lets it notice if we die. */
export function spawnService(spec: ServiceSpec, env: NodeJS.ProcessEnv): ChildProcess {
  return fork(path.join(ROOT, spec.entry), [], {
    cwd: ROOT,
    env: { ...MALLOC_ENV, ...env, PORT: String(spec.port) },
    execArgv: ['-r', path.join(ROOT, 'scripts/register.js')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/**
 * Forks every service into `children` (so a caller can stop them even if start-up fails) and waits until each
 * answers `probe` (/readyz by default). `onExit` hears of any service that exits; the caller decides whether that
 * is a crash.
 */
export async function startServices(
  specs: ServiceSpec[],
  env: NodeJS.ProcessEnv,
  children: ChildProcess[],
  onExit: (message: string) => void,
  timeoutMs = 60_000,
  probe: (spec: ServiceSpec) => string = () => '/readyz',
): Promise<void> {
  for (const spec of specs) {
    const child = spawnService(spec, env);
    child.once('exit', (code, signal) => onExit(`${spec.name} exited (${signal ?? `code ${code}`})`));
    children.push(child);
  }
  await Promise.all(
    specs.map((spec, i) =>
      waitUntilReady(`http://127.0.0.1:${spec.port}${probe(spec)}`, timeoutMs, () => children[i].exitCode === null),
    ),
  );
}

/** Polls a URL until it answers 2xx. */
export async function waitUntilReady(url: string, timeoutMs: number, isAlive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isAlive()) throw new Error(`the process behind ${url} exited during start-up`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} was not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** Stops children with SIGTERM, then SIGKILL after a grace period; resolves when all have exited. */
export async function stopAll(children: ChildProcess[], graceMs = 10_000): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** A random base port with the four ports after it free (the launcher uses base..base+4), for tests and the bench. */
export async function freePortBlock(): Promise<number> {
  // From a random start below Linux's ephemeral range (32768 on), where outgoing sockets would take ports.
  const base = await freeRun(20_000 + Math.floor(Math.random() * 6_000), SERVICE_NAMES.length, 293, '127.0.0.1');
  if (base === null) throw new Error('no free block of five ports');
  return base;
}
