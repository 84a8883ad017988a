/**
 * The system under test: a throwaway one (embedded PostgreSQL in a temp dir, the five services as separate
 * processes on a free block of ports, fresh secrets, everything on 127.0.0.1), the demo partner's token, and what
 * the subgraphs and the gateway report on their /metrics.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type EmbeddedPg, startEmbeddedPostgres } from '@pos/kit';
import { type ServiceSpec, freePortBlock, services, startServices, stopAll } from '../launcher';
import { aborted } from './load';
import type { SubgraphCounts } from './results';
import { HOST } from './settings';

/**
 * The gateway's rate and cost limits are on in every mode; one bench client sends thousands of requests a second,
 * far past any production setting. They stay on, so every request still pays for computing and charging its cost,
 * with buckets no benchmark can empty.
 */
export const BENCH_LIMITS = {
  RATE_LIMIT_PER_SECOND: '1000000000',
  TOKEN_RATE_LIMIT_PER_SECOND: '1000000000',
  COST_LIMIT_MAXIMUM: '1000000000000',
  COST_LIMIT_RESTORE_PER_SECOND: '1000000000000',
};

/** What the bench started, for stopping it: the service (and peer gateway) processes, PostgreSQL, client pools. */
export interface Stack {
  children: ChildProcess[];
  clients: Array<{ destroy(): Promise<unknown> }>;
  pg: EmbeddedPg | null;
}

/** What every part gets: the running system, its credentials, and where to register what it starts. */
export interface System extends Stack {
  gatewayUrl: string;
  token: string;
  scopes: string[];
  urls: Record<string, string>;
  secrets: { INTERNAL_JWT_SECRET: string; KEY_ENCRYPTION_KEY: string };
  databaseUrl: string;
  supergraphSdl: string;
  /** The services' environment. */
  env: NodeJS.ProcessEnv;
  pids: { gateway: number; subgraphs: number[] };
  subgraphSpecs: ServiceSpec[];
  /** Hears of any process of `children` that exits; the bench stops unless it is stopping already. */
  onExit: (message: string) => void;
  /** What each subgraph has served so far (operations and HTTP requests), from its /metrics. */
  subgraphCounts(): Promise<Record<string, SubgraphCounts>>;
}

/** Ends the load loops, then stops the processes and PostgreSQL and closes the client pools. */
export async function stopStack(stack: Stack): Promise<void> {
  aborted.abort();
  await stopAll(stack.children);
  await stack.pg?.stop();
  await Promise.all(stack.clients.map((c) => c.destroy().catch(() => undefined)));
}

/** Starts PostgreSQL and the services (registered in `stack` as they start) and takes the demo partner's token. */
export async function startSystem(
  stack: Stack,
  options: { supergraphSdl: string; started: number; onExit: (message: string) => void },
): Promise<System> {
  const pg = await startEmbeddedPostgres();
  stack.pg = pg;
  await pg.createDatabase('pos');
  const base = await freePortBlock();
  const { specs, urls } = services(base);
  const gatewayUrl = `http://${HOST}:${base}`;
  const secrets = {
    INTERNAL_JWT_SECRET: randomBytes(32).toString('base64url'),
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    DATABASE_URL: pg.url('pos'),
    ...secrets,
    ...urls,
    HOST,
    PUBLIC_URL: gatewayUrl,
    // No line per request (warn); BENCH_LOG_LEVEL=info measures with the services' default request logging.
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    SEED_DEMO: 'true',
    MIGRATE_ON_START: 'true',
    ...BENCH_LIMITS,
  };
  console.log(
    `Rate and cost limits on, set out of reach (${Object.entries(BENCH_LIMITS)
      .map(([name, value]) => `${name}=${value}`)
      .join(' ')}): what they cost is measured, they never refuse.`,
  );
  console.log(`PostgreSQL on ${HOST}:${pg.port}; starting the services on ${HOST}:${base}-${base + 4}...`);
  await startServices(specs, env, stack.children, options.onExit, 90_000);
  console.log(`Ready after ${((Date.now() - options.started) / 1000).toFixed(1)} s.`);

  const { token, scopes } = await getToken(gatewayUrl);
  // startServices forks in the order of specs.
  const pidOf = (name: string) => stack.children[specs.findIndex((s) => s.name === name)].pid!;
  const pids = {
    gateway: pidOf('gateway'),
    subgraphs: specs.filter((s) => s.name !== 'gateway').map((s) => pidOf(s.name)),
  };
  const subgraphSpecs = specs.filter((s) => s.name !== 'gateway');
  return {
    ...stack,
    gatewayUrl,
    token,
    scopes,
    urls,
    secrets,
    databaseUrl: pg.url('pos'),
    supergraphSdl: options.supergraphSdl,
    env,
    pids,
    subgraphSpecs,
    onExit: options.onExit,
    subgraphCounts: () => subgraphCounts(subgraphSpecs),
  };
}

async function getToken(gatewayUrl: string): Promise<{ token: string; scopes: string[] }> {
  const response = await fetch(`${gatewayUrl}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('demo-partner:demo-secret').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const json = (await response.json()) as { access_token?: string; scope?: string };
  if (!response.ok || !json.access_token)
    throw new Error(`token request failed: HTTP ${response.status} ${JSON.stringify(json)}`);
  return { token: json.access_token, scopes: (json.scope ?? '').split(' ').filter(Boolean) };
}

/** The sum of a metric's samples (every label set) in a /metrics text; 0 when absent. */
function metricSum(text: string, name: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** The sum of a metric's samples on a service's /metrics (0 when absent). */
export async function metricValue(port: number, name: string): Promise<number> {
  return metricSum(await (await fetch(`http://${HOST}:${port}/metrics`)).text(), name);
}

/**
 * What each subgraph has served so far, from its /metrics: GraphQL operations (`graphql_requests_total`, a line per
 * operation and outcome) and HTTP requests to /graphql. The gateway sends one caller's reads that reach a subgraph in
 * the same turn of the event loop as one batched request, so those are operations - `graphql_batched_operations_total`
 * + `graphql_batches_total`.
 */
async function subgraphCounts(subgraphs: ServiceSpec[]): Promise<Record<string, SubgraphCounts>> {
  const texts = await Promise.all(
    subgraphs.map(async (spec) => (await fetch(`http://${HOST}:${spec.port}/metrics`)).text()),
  );
  return Object.fromEntries(
    subgraphs.map((spec, i) => {
      const total = (name: string) => metricSum(texts[i], name);
      const operations = total('graphql_requests_total');
      const httpRequests = operations - total('graphql_batched_operations_total') + total('graphql_batches_total');
      return [spec.name, { operations, httpRequests }];
    }),
  );
}
