import type { MigrationObject } from '@mikro-orm/core';
import type { EntityManager, MikroORM, Options } from '@mikro-orm/postgresql';
import type { GraphQLSchema } from 'graphql';
import { z } from 'zod';
import { commonEnv, parseConfig, portEnv } from './config';
import { createOrm, migrate } from './db';
import { shouldSeedDemo } from './demo';
import { type Logger, createLogger } from './logger';
import { ServiceMetrics } from './metrics';
import { type RequestContext, type RunningServer, startSubgraphServer } from './server';
import { startTracing } from './tracing';

const baseEnv = (defaultPort: number) => ({ ...commonEnv, PORT: portEnv(defaultPort) });
/** The settings of a subgraph: the common ones plus those its definition declares in `env`. */
export const subgraphEnvSchema = (defaultPort: number, extra: z.ZodRawShape = {}) =>
  z.object({ ...baseEnv(defaultPort), ...extra });
/** The common settings; a subgraph reads its own from `config` with its `env` schema (see `settingsOf`). */
export type SubgraphConfig = z.infer<z.ZodObject<ReturnType<typeof baseEnv>>> & Record<string, unknown>;

/**
 * A subgraph's own settings, typed, from the config already parsed with its definition's `env` (not parsed again:
 * a transformed value such as a key decoded to bytes would not pass its own schema twice).
 */
export const settingsOf = <S extends z.ZodRawShape>(env: S, config: SubgraphConfig): z.infer<z.ZodObject<S>> =>
  Object.fromEntries(Object.keys(env).map((name) => [name, config[name]])) as z.infer<z.ZodObject<S>>;

/** Long-lived per-instance parts of a subgraph (listeners, event hubs) that request contexts can reach. */
export interface SubgraphRuntime {
  close?(): Promise<void>;
  /** Figures of the runtime's own parts, read at each scrape of /metrics as gauges (e.g. payments' event relay). */
  gauges?: RuntimeGauge[];
}

export interface RuntimeGauge {
  name: string;
  help: string;
  value(): number;
}

/**
 * Everything that makes one subgraph: each subgraph's app.ts exports one of these, and {@link startSubgraph}
 * turns it into a running service, the same way in the launcher, in a container and in the tests.
 */
export interface SubgraphDefinition<C extends RequestContext, R extends SubgraphRuntime = SubgraphRuntime> {
  name: string;
  /** PostgreSQL schema the subgraph owns. */
  pgSchema: string;
  defaultPort: number;
  entities: NonNullable<Options['entities']>;
  migrations: MigrationObject[];
  /** Settings of this subgraph beyond the common ones (parsed with them, at start-up). */
  env?: z.ZodRawShape;
  buildSchema(): Promise<GraphQLSchema>;
  createRuntime?(deps: { orm: MikroORM; logger: Logger; config: SubgraphConfig }): Promise<R>;
  buildContext(base: RequestContext, runtime: R): C;
  /** Seeds the demo data when the subgraph's tables are empty. */
  seedDemo?(em: EntityManager): Promise<void>;
  subscriptions?: boolean;
}

export interface StartedSubgraph<R> extends RunningServer {
  orm: MikroORM;
  runtime: R;
}

const schemaCache = new WeakMap<object, Promise<GraphQLSchema>>();
// type-graphql's build context is static, so builds are chained one after another.
let buildChain: Promise<unknown> = Promise.resolve();

/** Builds (once per process) the subgraph's federated schema; safe to call from many places at once. */
export function subgraphSchema(definition: Pick<SubgraphDefinition<never>, 'buildSchema'>): Promise<GraphQLSchema> {
  let schema = schemaCache.get(definition);
  if (!schema) {
    schema = buildChain.then(() => definition.buildSchema());
    buildChain = schema.catch(() => undefined);
    schemaCache.set(definition, schema);
  }
  return schema;
}

export async function startSubgraph<C extends RequestContext, R extends SubgraphRuntime>(
  definition: SubgraphDefinition<C, R>,
  config: SubgraphConfig,
  logger: Logger = createLogger(definition.name, config.LOG_LEVEL),
): Promise<StartedSubgraph<R>> {
  const orm = await createOrm({
    databaseUrl: config.DATABASE_URL,
    schema: definition.pgSchema,
    entities: definition.entities,
    migrations: definition.migrations,
  });
  try {
    if (config.MIGRATE_ON_START) {
      const applied = await migrate(orm);
      if (applied.length) logger.info({ applied }, 'migrations applied');
    }
    if (definition.seedDemo && shouldSeedDemo(config.NODE_ENV, config.SEED_DEMO)) {
      await definition.seedDemo(orm.em.fork());
    }
    const runtime = (await definition.createRuntime?.({ orm, logger, config })) ?? ({} as R);
    const metrics = new ServiceMetrics(definition.name);
    for (const gauge of runtime.gauges ?? [])
      metrics.scraped({ name: gauge.name, help: gauge.help, read: gauge.value });
    const server = await startSubgraphServer({
      name: definition.name,
      schema: await subgraphSchema(definition),
      orm,
      logger,
      metrics,
      internalSecret: config.INTERNAL_JWT_SECRET,
      buildContext: (base) => definition.buildContext(base, runtime),
      subscriptions: definition.subscriptions,
      port: config.PORT,
      host: config.HOST,
    });
    return {
      ...server,
      orm,
      runtime,
      close: async () => {
        await server.close();
        await runtime.close?.();
        await orm.close();
      },
    };
  } catch (error) {
    await orm.close();
    throw error;
  }
}

/** Entry point of a subgraph process: reads the environment, starts, and stops cleanly on SIGINT/SIGTERM. */
export async function runSubgraphProcess<C extends RequestContext, R extends SubgraphRuntime>(
  definition: SubgraphDefinition<C, R>,
): Promise<void> {
  const config = parseConfig(subgraphEnvSchema(definition.defaultPort, definition.env));
  const logger = createLogger(definition.name, config.LOG_LEVEL);
  try {
    // OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set; off (nothing registered) otherwise.
    const tracing = await startTracing({ serviceName: definition.name });
    const started = await startSubgraph(definition, config, logger);
    onShutdown(logger, async () => {
      await started.close();
      await tracing?.shutdown();
    });
  } catch (error) {
    logger.fatal({ err: error }, `${definition.name} failed to start`);
    process.exit(1);
  }
}

/** Runs `stop` once on SIGINT/SIGTERM (or when the launcher that forked us goes away), then exits. */
export function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  // Forked by the launcher: if it dies without signalling us, its IPC channel closes and we must not linger.
  if (process.send) process.once('disconnect', () => shutdown('parent exited'));
}
