import { type Options, MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { MigrationObject } from '@mikro-orm/core';
import { traceSql } from './tracing';

export interface OrmOptions {
  databaseUrl: string;
  /** The PostgreSQL schema this service owns; its tables and its migrations table live there. */
  schema: string;
  entities: Options['entities'];
  migrations: MigrationObject[];
  debug?: boolean;
  poolMax?: number;
}

/**
 * How long a request waits for a pooled connection before it fails (knex's default is 60 s): with PostgreSQL down or
 * restarting every request would otherwise queue here, holding its client, for a minute. 5 s is far above a healthy
 * wait (a pool of 10 whose queries take milliseconds) and fails the request with a 503 instead
 * ({@link isDatabaseUnavailable}).
 */
export const DB_ACQUIRE_TIMEOUT_MS = 5_000;
/** How long opening a new connection may take: an unreachable host (no RST) would otherwise wait for the OS. */
export const DB_CONNECT_TIMEOUT_MS = 5_000;

/** SQLSTATEs of a server that is going away or not there yet: class 08 (connection), 57P01-57P03, 53300. */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);
// "Transaction query already complete": knex ended the transaction when its connection died, and the request's next
// query in it fails so (seen when PostgreSQL stops mid-payment); a bug reusing a finished transaction would say the
// same, and then be a 503 rather than a 500, which the error log still shows.
const UNAVAILABLE_MESSAGE =
  /Timeout acquiring a connection|Connection terminated|connection error and is not queryable|timeout expired|terminating connection due to administrator command|the database system is (starting up|shutting down|in recovery mode)|Transaction query already complete/i;

/**
 * Whether an error means the database could not be reached or dropped the connection (PostgreSQL restarting,
 * down, out of connections, or the pool's acquire timeout), rather than a fault of the query: the request may be
 * retried, and the client is told so (UNAVAILABLE, `dependency_unavailable`) instead of an internal error.
 * Looks through MikroORM's DriverException (which copies the pg error's `code`) and `cause`.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const { code, message, name, cause } = error as {
    code?: unknown;
    message?: unknown;
    name?: unknown;
    cause?: unknown;
  };
  if (typeof code === 'string' && (UNAVAILABLE_ERRNO.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
  if (name === 'KnexTimeoutError' || name === 'ConnectionException') return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}

/**
 * One MikroORM instance per service, on its own PostgreSQL schema. Migrations are the committed classes listed
 * explicitly (no file globbing, so they load the same under jest, the launcher and a container).
 */
export async function createOrm(options: OrmOptions): Promise<MikroORM> {
  const orm = await MikroORM.init({
    driver: PostgreSqlDriver,
    clientUrl: options.databaseUrl,
    schema: options.schema,
    entities: options.entities,
    extensions: [Migrator],
    migrations: {
      migrationsList: options.migrations,
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      emit: 'ts',
      snapshot: false,
      // Applied migrations are reported through the service's own logger (see migrate()).
      silent: true,
    },
    pool: { min: 0, max: options.poolMax ?? 10 },
    driverOptions: {
      acquireConnectionTimeout: DB_ACQUIRE_TIMEOUT_MS,
      // keepAlive: a connection whose server vanished without a FIN is found dead by TCP, not on first use.
      connection: { connectionTimeoutMillis: DB_CONNECT_TIMEOUT_MS, keepAlive: true },
    },
    debug: options.debug ?? false,
    // The global EntityManager must never serve a request: each one gets em.fork().
    allowGlobalContext: false,
    forceUtcTimezone: true,
    discovery: { warnWhenNoEntities: false },
  });
  // A span per statement while a traced request runs it; a boolean test per statement otherwise.
  traceSql(orm, options.schema);
  return orm;
}

/**
 * Applies pending migrations under a PostgreSQL advisory lock, so several replicas starting at once (docker
 * compose, a rolling deploy) apply each migration exactly once.
 */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const schema = orm.config.get('schema') ?? 'public';
  // One connection of the pool, held for the lock's whole life: an advisory lock belongs to its session.
  const client = orm.em.getConnection().getKnex().client as {
    acquireConnection(): Promise<{ query(sql: string, params: unknown[]): Promise<unknown> }>;
    releaseConnection(connection: unknown): Promise<void>;
  };
  const conn = await client.acquireConnection();
  try {
    await conn.query(`select pg_advisory_lock(hashtext($1))`, [`pos-migrate:${schema}`]);
    return (await orm.getMigrator().up()).map((m) => m.name);
  } finally {
    await conn.query(`select pg_advisory_unlock(hashtext($1))`, [`pos-migrate:${schema}`]);
    await client.releaseConnection(conn);
  }
}
