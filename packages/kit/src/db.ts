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
  const knex = orm.em.getConnection().getKnex();
  const conn = await knex.client.acquireConnection();
  try {
    await conn.query(`select pg_advisory_lock(hashtext($1))`, [`pos-migrate:${schema}`]);
    return (await orm.getMigrator().up()).map((m) => m.name);
  } finally {
    await conn.query(`select pg_advisory_unlock(hashtext($1))`, [`pos-migrate:${schema}`]);
    await knex.client.releaseConnection(conn);
  }
}
