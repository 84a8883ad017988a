/**
 * @pos/testing: helpers for the tests of every service, a private package (never a dependency of a service). The jest global setup starts one embedded PostgreSQL and exports its
 * admin URL as POS_TEST_ADMIN_URL; each test file takes a database of its own from it, so no state is shared.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import {
  INTERNAL_CONTEXT_HEADER,
  type Logger,
  type Principal,
  type RequestContext,
  type StartedSubgraph,
  type SubgraphDefinition,
  type SubgraphRuntime,
  createDatabaseIfMissing,
  parseConfig,
  signInternalContext,
  startSubgraph,
  subgraphEnvSchema,
} from '@pos/kit';

export { type TestNats, startNatsServer } from './nats-server';
export { type TestRedis, startRedisServer } from './redis';

let counter = 0;

/** A new database in the test cluster, empty or a copy of `template`; returns its URL. */
export async function createTestDatabase(template?: string): Promise<string> {
  const admin = process.env.POS_TEST_ADMIN_URL;
  if (!admin) throw new Error('POS_TEST_ADMIN_URL is not set: run the tests through jest (test/global-setup.ts)');
  const name = `t${process.env.JEST_WORKER_ID ?? '0'}_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;
  await createDatabaseIfMissing(admin, name, template);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

export const TEST_INTERNAL_SECRET = 'test-internal-secret-0123456789abcdef0123';

/** The environment every service gets in tests, less its DATABASE_URL. */
export const TEST_ENV: Record<string, string> = {
  INTERNAL_JWT_SECRET: TEST_INTERNAL_SECRET,
  // 32 bytes of 0x07, base64: a fixed test key, so a test can open what a service sealed.
  KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  LOG_LEVEL: 'warn',
  NODE_ENV: 'test',
  SEED_DEMO: 'true',
  HOST: '127.0.0.1',
  PORT: '0',
};

/** A seeded partner's M2M client as the gateway proves it to the subgraphs ('demo' or 'other'). */
export function partnerPrincipal(partner: 'demo' | 'other', scopes: string[]): Principal {
  return {
    tenantId: partner,
    subject: `${partner}-partner`,
    kind: 'm2m',
    clientId: `${partner}-partner`,
    scopes,
    locationIds: null,
  };
}

/** A POS user of a seeded partner, with these scopes, whose roles cover these locations. */
export function posUserPrincipal(
  scopes: string[],
  locationIds: number[],
  partner: 'demo' | 'other' = 'demo',
): Principal {
  return { tenantId: partner, subject: randomUUID(), kind: 'user', clientId: null, scopes, locationIds };
}

export interface TestSubgraph {
  started: StartedSubgraph<unknown>;
  /** Calls the subgraph over HTTP as the gateway would, with `principal`'s signed context (none for null). */
  call(
    query: string,
    variables?: Record<string, unknown>,
    principal?: Principal | null,
  ): ReturnType<typeof postGraphQL>;
  /** Runs SQL on the subgraph's database (for setup and for asserting what was written). */
  sql<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** One subgraph alone on a fresh database, migrated and seeded; `principal` is who `call` acts as by default. */
export async function startTestSubgraph<C extends RequestContext, R extends SubgraphRuntime>(
  definition: SubgraphDefinition<C, R>,
  principal: Principal,
  logger?: Logger,
  env: Record<string, string> = {},
): Promise<TestSubgraph> {
  const config = parseConfig(subgraphEnvSchema(0, definition.env), {
    ...TEST_ENV,
    DATABASE_URL: await createTestDatabase(),
    ...env,
  });
  const started = (await startSubgraph(definition, config, logger)) as StartedSubgraph<unknown>;
  return {
    started,
    call: async (query, variables = {}, as = principal) =>
      postGraphQL(
        started.url,
        query,
        variables,
        as ? { [INTERNAL_CONTEXT_HEADER]: await signInternalContext(TEST_INTERNAL_SECRET, as) } : {},
      ),
    sql: (query, params = []) => started.orm.em.getConnection().execute(query, params),
    close: () => started.close(),
  };
}

/** A logger that keeps its JSON lines in memory, for tests that assert on logs. */
export function memoryLogger(name: string): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return {
    logger: pino({ name, level: 'info', base: { service: name } }, stream),
    lines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** A GraphQL response body as tests read it: data is loosely typed on purpose. */
export interface GraphQLBody {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  /** The gateway's answers carry `cost` (what the request spent of its caller's budget). */
  extensions?: Record<string, unknown>;
}

/** POSTs a GraphQL operation and returns the parsed body and the status. */
export async function postGraphQL(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; body: GraphQLBody; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body: GraphQLBody;
  try {
    body = JSON.parse(text) as GraphQLBody;
  } catch {
    body = { errors: [{ message: text }] };
  }
  return { status: response.status, body, headers: response.headers };
}

/**
 * Polls `check` (every 25 ms) until it holds, and answers how long that took (ms); past `ms` it throws, naming
 * `what`. A check that throws counts as not holding yet: a service that is still starting refuses connections.
 */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      if (await check()) return Date.now() - started;
    } catch (error) {
      if (Date.now() - started > ms) throw error;
    }
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
