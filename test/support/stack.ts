import { randomBytes } from 'node:crypto';
import { startGateway, type StartedGateway } from '@pos/gateway';
import { gatewayEnvSchema } from '@pos/gateway/src/config';
import { PosUser, normalizeEmail } from '@pos/gateway/src/identity/identity.entities';
import { gatewayOrm } from '@pos/gateway/src/identity/orm';
import { seedIdentity } from '@pos/gateway/src/identity/seed';
import {
  type Logger,
  type StartedSubgraph,
  createLogger,
  createOrm,
  freePort,
  migrate,
  parseConfig,
  startSubgraph,
  subgraphEnvSchema,
} from '@pos/kit';
import { TEST_ENV, createTestDatabase, postGraphQL } from '@pos/testing';
import { Client } from 'pg';
import { subgraphDefinitions } from '../../scripts/services';

export const TEST_ISSUER = 'http://pos-test-issuer.local';

/** A GraphQL answer without its extensions.cost, which tells each request what it itself spent. */
export function withoutCost<T extends { extensions?: Record<string, unknown> }>(body: T): T {
  if (!body.extensions?.cost) return body;
  const { cost: _cost, ...extensions } = body.extensions;
  return { ...body, extensions: Object.keys(extensions).length ? extensions : undefined };
}

export interface Stack {
  databaseUrl: string;
  /** The key that encrypts the issuer's private key, so tests can load the real signing key. */
  keyEncryptionKey: Buffer;
  gateway: StartedGateway;
  gatewayUrl: string;
  /** http://127.0.0.1:<port>, the gateway's origin, for REST calls. */
  origin: string;
  subgraphs: Record<string, StartedSubgraph<unknown>>;
  token(clientId?: string, secret?: string, scope?: string): Promise<string>;
  /** An access token of the seeded POS user with this email, minted by the gateway's own issuer. */
  userToken(email: string): Promise<string>;
  graphql(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
    headers?: Record<string, string>,
  ): ReturnType<typeof postGraphQL>;
  close(): Promise<void>;
}

export interface StackOptions {
  loggers?: Partial<Record<string, Logger>>;
  /** Extra gateway settings, e.g. a short AUTH_CACHE_TTL_SECONDS to see a deactivation take effect. */
  gatewayEnv?: Record<string, string>;
  /** Extra settings of every subgraph, e.g. short webhook retry delays. */
  subgraphEnv?: Record<string, string>;
  /**
   * How the gateway reaches the stack's database, from its URL: e.g. through a proxy the test can cut, to take the
   * database away from the gateway alone.
   */
  gatewayDatabaseUrl?(databaseUrl: string): string;
}

/** Settings that change what a service migrates or seeds at start-up: a stack given one starts on an empty database. */
const START_UP_SETTINGS = ['MIGRATE_ON_START', 'SEED_DEMO', 'NODE_ENV'];

let template: Promise<string> | undefined;

/**
 * The name of a database holding what every stack's services write when they start on an empty one: all five
 * schemas migrated and the demo data seeded. Built once per test run (by whichever jest worker asks first, the
 * others wait on an advisory lock) and copied for each stack, which saves each one its migrations and seeds (most
 * of a stack's start-up). The services still run both on start: nothing left to apply, data already there. No
 * signing key: each stack's gateway creates its own, sealed with the stack's own key-encryption key.
 */
function stackTemplate(): Promise<string> {
  template ??= (async () => {
    const admin = process.env.POS_TEST_ADMIN_URL;
    const run = process.env.POS_TEST_RUN_ID;
    if (!admin || !run) throw new Error('run the tests through jest (test/global-setup.ts)');
    const name = `stack_template_${run}`;
    const client = new Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query('select pg_advisory_lock(hashtext($1))', [name]);
      const { rows } = await client.query('select datistemplate from pg_database where datname = $1', [name]);
      if (rows[0]?.datistemplate) return name;
      // Left half-built by a worker that died: start over.
      if (rows.length) await client.query(`drop database ${name}`);
      await client.query(`create database ${name}`);
      const url = new URL(admin);
      url.pathname = `/${name}`;
      const services = [
        ...subgraphDefinitions,
        { ...gatewayOrm, seedDemo: (em: Parameters<typeof seedIdentity>[0]) => seedIdentity(em) },
      ];
      for (const service of services) {
        const orm = await createOrm({
          databaseUrl: url.toString(),
          schema: service.pgSchema,
          entities: service.entities,
          migrations: service.migrations,
        });
        try {
          await migrate(orm);
          await service.seedDemo?.(orm.em.fork());
        } finally {
          await orm.close();
        }
      }
      // Marked done last: a copy is only ever taken of a complete template.
      await client.query(`alter database ${name} is_template true`);
      return name;
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', [name]).catch(() => undefined);
      await client.end();
    }
  })();
  return template;
}

/**
 * The whole system on a database of its own: the four subgraphs and the gateway on port 0, migrated and seeded with
 * the demo data, exactly as the launcher starts them (but in one process). The database starts as a copy of
 * {@link stackTemplate}, unless the options change what start-up migrates or seeds.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const changesStartUp = START_UP_SETTINGS.some(
    (name) => name in (options.subgraphEnv ?? {}) || name in (options.gatewayEnv ?? {}),
  );
  const databaseUrl = await createTestDatabase(changesStartUp ? undefined : await stackTemplate());
  const env: Record<string, string> = { ...TEST_ENV, DATABASE_URL: databaseUrl, ...options.subgraphEnv };
  const keyEncryptionKey = randomBytes(32);
  const subgraphs: Record<string, StartedSubgraph<unknown>> = {};
  // Orders reads payments (the payment that completes a hosted checkout) and payments reads orders: payments' port
  // is chosen first, so that orders, started before it, knows where it will be.
  const paymentsPort = await freePort();
  env.PAYMENTS_URL = `http://127.0.0.1:${paymentsPort}/graphql`;
  try {
    for (const definition of subgraphDefinitions) {
      const port = definition.name === 'payments' ? { PORT: String(paymentsPort) } : {};
      const config = parseConfig(subgraphEnvSchema(0, definition.env), { ...env, ...port });
      subgraphs[definition.name] = await startSubgraph(
        definition,
        config,
        options.loggers?.[definition.name] ?? createLogger(definition.name, 'warn'),
      );
      // Later subgraphs read entities of earlier ones through the graph (payments reads orders and checks).
      env[`${definition.name.toUpperCase()}_URL`] = subgraphs[definition.name].url;
    }
    const gateway = await startGateway(
      parseConfig(gatewayEnvSchema, {
        ...env,
        JWT_ISSUER: TEST_ISSUER,
        KEY_ENCRYPTION_KEY: keyEncryptionKey.toString('base64'),
        ORDERS_URL: subgraphs.orders.url,
        CHECKS_URL: subgraphs.checks.url,
        PAYMENTS_URL: subgraphs.payments.url,
        LOYALTY_URL: subgraphs.loyalty.url,
        ...(options.gatewayDatabaseUrl ? { DATABASE_URL: options.gatewayDatabaseUrl(databaseUrl) } : {}),
        ...options.gatewayEnv,
      }),
      options.loggers?.gateway ?? createLogger('gateway', 'warn'),
    );
    const origin = `http://127.0.0.1:${gateway.port}`;
    const token = async (clientId = 'demo-partner', secret = 'demo-secret', scope?: string) => {
      const response = await fetch(`${origin}/oauth2/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }),
      });
      const body = (await response.json()) as { access_token?: string };
      if (!response.ok || !body.access_token)
        throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
      return body.access_token;
    };
    const userToken = async (email: string) => {
      const users = await gateway.orm.em.fork().find(PosUser, { email: normalizeEmail(email) });
      // Emails are unique per partner only; the seeded ones are unique overall, and a test should not guess.
      if (users.length !== 1) throw new Error(`expected one POS user ${email}, found ${users.length}`);
      return (await gateway.issueUserToken(users[0].id)).accessToken;
    };
    return {
      databaseUrl,
      keyEncryptionKey,
      gateway,
      gatewayUrl: gateway.url,
      origin,
      subgraphs,
      token,
      userToken,
      graphql: async (query, variables = {}, bearer, headers = {}) =>
        postGraphQL(gateway.url, query, variables, {
          ...(bearer === null ? {} : { authorization: `Bearer ${bearer ?? (await token())}` }),
          ...headers,
        }),
      close: async () => {
        await gateway.close();
        for (const subgraph of Object.values(subgraphs).reverse()) await subgraph.close();
      },
    };
  } catch (error) {
    for (const subgraph of Object.values(subgraphs)) await subgraph.close().catch(() => undefined);
    throw error;
  }
}
