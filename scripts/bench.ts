/**
 * `pnpm bench`: one federated query through the gateway against the same data fetched from the subgraphs
 * directly, in the same run, on a throwaway system (embedded PostgreSQL in a temp dir, the five services as
 * separate processes on a free block of ports, fresh secrets, everything on 127.0.0.1).
 *
 * - gateway: autocannon (in-process), BENCH_CONNECTIONS connections, a discarded warm-up, then the measured run.
 * - direct: the subgraph operations of the gateway's own query plan, sent straight to the subgraphs over undici
 *   Pools by a closed-loop client with the same concurrency and duration. Each of its requests does what a client
 *   would have to do: the root fetch, building the entity representations, the entity fetches (in parallel when
 *   the plan runs them in parallel) and merging the results into the same JSON the gateway returns.
 *
 * Then, in the same run, the REST facade against the GraphQL operation each REST route runs, sent to the gateway's
 * /graphql: an order read (`GET /pos/v1/orders/{id}`), an order creation (`POST /pos/v1/orders`), a check read
 * (`GET /pos/v2/{locationId}/checks/{posRef}`) and a check payment (`POST /pos/v2/{locationId}/checks/{posRef}/pay`,
 * each worker paying its own check). Both sides of a pair use the same closed-loop client, token, data, concurrency
 * and duration, and the GraphQL side sends the route's own document and variables (taken from the gateway's route
 * table, so they cannot drift). Interleaved with the pay pair, the pay route with every worker paying the same check
 * (contended), reported alone. Last, the loyalty earn (`POST /webhook/pos` against its `Earn` mutation, both with
 * the standard org's X-Api-Key instead of a token), the workers spread over the org's three demo customers, and
 * interleaved with it the REST earn with every worker earning for one customer (contended), reported alone; every
 * earn has its own external_id, and an answer that is not a 200 recording a new earn ("already processed" included)
 * is counted and fails the run.
 *
 * Last, the subscribers (the "subscribers" part): at each of BENCH_SUBSCRIBERS (1000,10000), that many WebSocket
 * clients speaking graphql-transport-ws (graphql-ws's protocol), one WebSocket each, in this process (the gateway's
 * RSS is its own process's), subscribe to paymentEvents through the gateway, one distinct selection per
 * BENCH_SUB_PER_SELECTION (100) of them; then createPayment through the gateway at BENCH_SUB_RATE (2) payments a
 * second, BENCH_SUB_WARMUP_SECONDS (2) of warm-up and BENCH_SUB_SECONDS (10) measured, and a drain of at most
 * BENCH_SUB_DRAIN_SECONDS (20). Reports the delivery latency (receipt minus the event's occurredAt) p50/p99 over
 * every (event, subscriber) delivery, the gateway's peak RSS, its upstream stream count, and every missing,
 * duplicate or unexpected delivery (which fail the run). At the levels of BENCH_SUB_HTTP_LEVELS (1000) the same is run
 * again over each HTTP transport of BENCH_SUB_TRANSPORTS (graphql-ws,multipart,sse): one HTTP connection per
 * subscriber, Apollo's multipart protocol or GraphQL over SSE (distinct connections mode), parsed by hand as the
 * WebSocket clients are.
 * Between them, the "peer" part (scripts/bench-peer.ts: our gateway against @graphql-hive/gateway on the same
 * subgraphs, and the wide read against the same subgraph requests sent directly) and the "writes" part
 * (scripts/bench-writes.ts: paying a check over REST against a plain pg loop sending the same SQL).
 * BENCH_ONLY=queries,peer,writes,subscribers (any of them) runs those parts alone; BENCH_SMOKE=1 is the CI smoke.
 *
 * Prints req/s, p50 and p99 for every target, the ratios, and the CPU each process spent per request; writes the
 * same to .bench/latest.json. Environment: BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (3), BENCH_CONNECTIONS (10),
 * BENCH_ORDERS (10 orders created, each with one payment), and, shorter to keep the whole bench near two minutes,
 * the measured and warm-up seconds per side of the check read, BENCH_CHECK_SECONDS (4) and
 * BENCH_CHECK_WARMUP_SECONDS (2), of the pay measurements, BENCH_PAY_SECONDS (3) and BENCH_PAY_WARMUP_SECONDS (1.5),
 * and of the earn measurements, BENCH_LOYALTY_SECONDS (5) and BENCH_LOYALTY_WARMUP_SECONDS (2).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { API_KEY_HEADER } from '@pos/gateway/src/auth/api-keys';
import type { RestRoute } from '@pos/gateway/src/rest/route';
import { REPLAYED_HEADER } from '@pos/gateway/src/rest/router';
import { routes } from '@pos/gateway/src/rest/routes';
import {
  DEMO,
  type EmbeddedPg,
  INTERNAL_CONTEXT_HEADER,
  MAX_AMOUNT_CENTS,
  SCOPES,
  demoLoyaltyCodes,
  signInternalContext,
  startEmbeddedPostgres,
} from '@pos/kit';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import WebSocket from 'ws';
import {
  type CpuBreakdown,
  type LoadResult,
  type PlanNode,
  type SubgraphCounts,
  type TargetResult,
  aborted,
  addSubgraphCounts,
  closedLoop,
  percentile,
  positiveNumber,
  rssMb,
  runSides,
  sampleRss,
  sleep,
  subgraphCountsPerRequest,
  summarise,
  withCpu,
} from './bench-common';
import { type PeerSystem, peerBench } from './bench-peer';
import { writeBench } from './bench-writes';
import { ROOT, type ServiceSpec, freePortBlock, services, startServices, stopAll } from './launcher';
import { LEVEL3, LEVEL3_TOTAL_CENTS } from '../test/support/fixtures';

/**
 * The gateway's rate and cost limits are on in every mode; one bench client sends thousands of requests a second,
 * far past any production setting. They stay on, so every request still pays for computing and charging its cost,
 * with buckets no benchmark can empty.
 */
const BENCH_LIMITS = {
  RATE_LIMIT_PER_SECOND: '1000000000',
  TOKEN_RATE_LIMIT_PER_SECOND: '1000000000',
  COST_LIMIT_MAXIMUM: '1000000000000',
  COST_LIMIT_RESTORE_PER_SECOND: '1000000000000',
};
const SECONDS = positiveNumber('BENCH_SECONDS', 10);
const WARMUP_SECONDS = positiveNumber('BENCH_WARMUP_SECONDS', 3);
const CONNECTIONS = Math.round(positiveNumber('BENCH_CONNECTIONS', 10));
const ORDERS = Math.round(positiveNumber('BENCH_ORDERS', 10));
const CHECK_SECONDS = positiveNumber('BENCH_CHECK_SECONDS', 4);
const CHECK_WARMUP_SECONDS = positiveNumber('BENCH_CHECK_WARMUP_SECONDS', 2);
const PAY_SECONDS = positiveNumber('BENCH_PAY_SECONDS', 3);
const PAY_WARMUP_SECONDS = positiveNumber('BENCH_PAY_WARMUP_SECONDS', 1.5);
const LOYALTY_SECONDS = positiveNumber('BENCH_LOYALTY_SECONDS', 5);
const LOYALTY_WARMUP_SECONDS = positiveNumber('BENCH_LOYALTY_WARMUP_SECONDS', 2);
const SUB_LEVELS = positiveList('BENCH_SUBSCRIBERS', [1000, 10_000]);
const SUB_PER_SELECTION = Math.round(positiveNumber('BENCH_SUB_PER_SELECTION', 100));
const SUB_RATE = positiveNumber('BENCH_SUB_RATE', 2);
const SUB_SECONDS = positiveNumber('BENCH_SUB_SECONDS', 10);
const SUB_WARMUP_SECONDS = positiveNumber('BENCH_SUB_WARMUP_SECONDS', 2);
const SUB_DRAIN_SECONDS = positiveNumber('BENCH_SUB_DRAIN_SECONDS', 20);
/** The levels the HTTP transports (multipart, SSE) are measured at, besides graphql-ws at every level. */
const SUB_HTTP_LEVELS = positiveList('BENCH_SUB_HTTP_LEVELS', [1000]);
type SubTransport = 'graphql-ws' | 'multipart' | 'sse';
const SUB_TRANSPORT_NAMES: SubTransport[] = ['graphql-ws', 'multipart', 'sse'];
const SUB_TRANSPORTS = (() => {
  const raw = process.env.BENCH_SUB_TRANSPORTS?.trim() || SUB_TRANSPORT_NAMES.join(',');
  const names = raw.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !SUB_TRANSPORT_NAMES.includes(name as SubTransport));
  if (unknown.length) throw new Error(`BENCH_SUB_TRANSPORTS takes ${SUB_TRANSPORT_NAMES.join(', ')}, got ${raw}`);
  return names as SubTransport[];
})();
const HOST = '127.0.0.1';

/**
 * The parts of the bench, all by default; BENCH_ONLY=peer,writes (any of them, comma-separated) runs those alone.
 * BENCH_SMOKE=1 (`pnpm bench:smoke`) runs the peer and write parts for about a second per side, to check that the
 * bench still runs (in CI, after the tests): its figures mean nothing, only its errors fail it.
 */
const PART_NAMES = ['queries', 'peer', 'writes', 'subscribers'];
const SMOKE = process.env.BENCH_SMOKE === '1' || process.env.BENCH_SMOKE === 'true';
const PARTS = (() => {
  const raw = process.env.BENCH_ONLY?.trim() || (SMOKE ? 'peer,writes' : '');
  if (!raw) return new Set(PART_NAMES);
  const parts = raw.split(',').map((part) => part.trim());
  const unknown = parts.filter((part) => !PART_NAMES.includes(part));
  if (unknown.length) throw new Error(`BENCH_ONLY takes ${PART_NAMES.join(', ')} (comma-separated), got ${raw}`);
  return new Set(parts);
})();

const QUERY =
  'query Bench { locations(first: 10) { nodes { id name orders { nodes { id total { amountMinor } payments(first: 5) { nodes { id amount { amountMinor } } } } } checks { nodes { posRef total { amountMinor } } } } } }';
const OPERATION_NAME = 'Bench';

/** A comma-separated list of positive integers, e.g. BENCH_SUBSCRIBERS=1000,10000. */
function positiveList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (!values.every((v) => Number.isInteger(v) && v > 0)) {
    throw new Error(`${name} must be comma-separated positive integers, got ${raw}`);
  }
  return values;
}

// ---------------------------------------------------------------------------------------------------------------
// The gateway's query plan
// ---------------------------------------------------------------------------------------------------------------

interface SubgraphOperation {
  query: string;
  operationName: string;
}

/** The three fetches the gateway sends for QUERY, and whether the two entity fetches run in parallel. */
interface DirectPlan {
  orders: SubgraphOperation;
  checks: SubgraphOperation;
  payments: SubgraphOperation;
  parallel: boolean;
  source: 'query planner' | 'hand-written copy';
}

/** What @apollo/query-planner 2.14.4 produces for QUERY; used only if the planner cannot be loaded. */
const HAND_WRITTEN_PLAN: DirectPlan = {
  orders: {
    operationName: 'Bench__orders__0',
    query:
      'query Bench__orders__0{locations(first:10){nodes{__typename id name orders{nodes{__typename id total{amountMinor}}}}}}',
  },
  checks: {
    operationName: 'Bench__checks__1',
    query:
      'query Bench__checks__1($representations:[_Any!]!){_entities(representations:$representations){...on Location{checks{nodes{posRef total{amountMinor}}}}}}',
  },
  payments: {
    operationName: 'Bench__payments__2',
    query:
      'query Bench__payments__2($representations:[_Any!]!){_entities(representations:$representations){...on Order{payments{nodes{id amount{amountMinor}}}}}}',
  },
  parallel: true,
  source: 'hand-written copy',
};

/**
 * Plans QUERY with the gateway's own planner (resolved from the gateway package, whose dependency it is) and
 * checks the plan has the shape the direct client implements: orders first, then checks `_entities` for the
 * locations and payments `_entities` for their orders.
 */
function gatewayPlan(supergraphSdl: string): DirectPlan {
  const gatewayRequire = createRequire(path.join(ROOT, 'gateway/package.json'));
  let planner: PlannerModules;
  try {
    planner = {
      queryPlanner: gatewayRequire('@apollo/query-planner') as PlannerModules['queryPlanner'],
      internals: gatewayRequire('@apollo/federation-internals') as PlannerModules['internals'],
      graphql: gatewayRequire('graphql') as PlannerModules['graphql'],
    };
  } catch (error) {
    console.warn(`Could not load the gateway's query planner (${String(error)}); using the hand-written plan.`);
    return HAND_WRITTEN_PLAN;
  }
  const supergraph = planner.internals.Supergraph.build(supergraphSdl);
  const operation = planner.internals.operationFromDocument(supergraph.apiSchema(), planner.graphql.parse(QUERY));
  const plan = new planner.queryPlanner.QueryPlanner(supergraph).buildQueryPlan(operation);

  const fetches: Array<{ service: string; path: string; op: SubgraphOperation; inParallel: boolean }> = [];
  const walk = (node: PlanNode | undefined, at: string, inParallel: boolean): void => {
    if (!node) return;
    if (node.kind === 'Fetch') {
      fetches.push({
        service: node.serviceName ?? '',
        path: at,
        op: { query: node.operation ?? '', operationName: node.operationName ?? '' },
        inParallel,
      });
    } else if (node.kind === 'Flatten') {
      walk(node.node, (node.path ?? []).join('.'), inParallel);
    } else if (node.kind === 'Sequence' || node.kind === 'Parallel') {
      for (const child of node.nodes ?? []) walk(child, at, inParallel || node.kind === 'Parallel');
    } else {
      throw new Error(`unexpected ${node.kind} node in the query plan`);
    }
  };
  walk(plan.node, '', false);
  const shape = fetches.map((f) => `${f.service}@${f.path || '(root)'}`).sort();
  const expected = ['checks@locations.nodes.@', 'orders@(root)', 'payments@locations.nodes.@.orders.nodes.@'];
  if (fetches.length !== 3 || shape.join() !== expected.join() || fetches[0].service !== 'orders') {
    throw new Error(`the gateway's plan changed (${shape.join(', ')}): update the direct client in scripts/bench.ts`);
  }
  const find = (service: string) => fetches.find((f) => f.service === service)!;
  return {
    orders: find('orders').op,
    checks: find('checks').op,
    payments: find('payments').op,
    parallel: find('checks').inParallel && find('payments').inParallel,
    source: 'query planner',
  };
}

interface PlannerModules {
  queryPlanner: {
    QueryPlanner: new (supergraph: unknown) => { buildQueryPlan(operation: unknown): { node?: PlanNode } };
  };
  internals: {
    Supergraph: { build(sdl: string): { apiSchema(): unknown } };
    operationFromDocument(schema: unknown, document: unknown): unknown;
  };
  graphql: { parse(source: string): unknown };
}

// ---------------------------------------------------------------------------------------------------------------
// The direct client
// ---------------------------------------------------------------------------------------------------------------

interface GraphQLResponse<T> {
  data?: T;
  errors?: unknown[];
}

interface RootData {
  locations: {
    nodes: Array<{
      __typename: string;
      id: string;
      name: string;
      orders: { nodes: Array<{ __typename: string; id: string; total: { amountMinor: number } }> };
    }>;
  };
}
interface ChecksData {
  _entities: Array<{ checks: { nodes: Array<{ posRef: string; total: { amountMinor: number } }> } } | null>;
}
interface PaymentsData {
  _entities: Array<{ payments: { nodes: Array<{ id: string; amount: { amountMinor: number } }> } } | null>;
}

/** The result of QUERY, as the gateway returns it. */
interface BenchData {
  locations: {
    nodes: Array<{
      id: string;
      name: string;
      orders: {
        nodes: Array<{
          id: string;
          total: { amountMinor: number };
          payments: { nodes: Array<{ id: string; amount: { amountMinor: number } }> };
        }>;
      };
      checks: { nodes: Array<{ posRef: string; total: { amountMinor: number } }> };
    }>;
  };
}

class DirectClient {
  private readonly pools: Record<'orders' | 'checks' | 'payments', Pool>;
  private readonly rootBody: string;

  constructor(
    urls: Record<string, string>,
    private readonly plan: DirectPlan,
    private readonly contextToken: string,
    connections: number,
  ) {
    const pool = (url: string) => new Pool(new URL(url).origin, { connections, keepAliveTimeout: 60_000 });
    this.pools = { orders: pool(urls.ORDERS_URL), checks: pool(urls.CHECKS_URL), payments: pool(urls.PAYMENTS_URL) };
    this.rootBody = JSON.stringify({ query: plan.orders.query, operationName: plan.orders.operationName });
  }

  private async post<T>(subgraph: keyof DirectClient['pools'], body: string): Promise<T> {
    const response = await this.pools[subgraph].request({
      path: '/graphql',
      method: 'POST',
      headers: { 'content-type': 'application/json', [INTERNAL_CONTEXT_HEADER]: this.contextToken },
      body,
    });
    const text = await response.body.text();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new Error(`${subgraph} answered HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
    }
    const json = JSON.parse(text) as GraphQLResponse<T>;
    if (json.errors?.length || !json.data) {
      throw new Error(`${subgraph} answered with errors: ${JSON.stringify(json.errors).slice(0, 300)}`);
    }
    return json.data;
  }

  private entitiesBody(op: SubgraphOperation, representations: Array<{ __typename: string; id: string }>): string {
    return JSON.stringify({ query: op.query, operationName: op.operationName, variables: { representations } });
  }

  /** One client request: the root fetch, then the entity fetches built from it, merged into QUERY's result. */
  async fetch(): Promise<BenchData> {
    const root = await this.post<RootData>('orders', this.rootBody);
    const locationReps = root.locations.nodes.map((l) => ({ __typename: l.__typename, id: l.id }));
    const orderReps = root.locations.nodes.flatMap((l) =>
      l.orders.nodes.map((o) => ({ __typename: o.__typename, id: o.id })),
    );
    const checks = () =>
      locationReps.length
        ? this.post<ChecksData>('checks', this.entitiesBody(this.plan.checks, locationReps))
        : Promise.resolve<ChecksData>({ _entities: [] });
    const payments = () =>
      orderReps.length
        ? this.post<PaymentsData>('payments', this.entitiesBody(this.plan.payments, orderReps))
        : Promise.resolve<PaymentsData>({ _entities: [] });
    const [checked, paid] = this.plan.parallel
      ? await Promise.all([checks(), payments()])
      : [await checks(), await payments()];
    if (checked._entities.length !== locationReps.length || paid._entities.length !== orderReps.length) {
      throw new Error('an _entities answer does not match its representations');
    }
    let orderIndex = 0;
    return {
      locations: {
        nodes: root.locations.nodes.map((location, i) => ({
          id: location.id,
          name: location.name,
          orders: {
            nodes: location.orders.nodes.map((order) => ({
              id: order.id,
              total: order.total,
              payments: paid._entities[orderIndex++]?.payments ?? { nodes: [] },
            })),
          },
          checks: checked._entities[i]?.checks ?? { nodes: [] },
        })),
      },
    };
  }

  async destroy(): Promise<void> {
    await Promise.all(Object.values(this.pools).map((pool) => pool.destroy().catch(() => undefined)));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The system under test
// ---------------------------------------------------------------------------------------------------------------

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
      const total = (name: string) =>
        texts[i]
          .split('\n')
          .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
          .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
      const operations = total('graphql_requests_total');
      const httpRequests = operations - total('graphql_batched_operations_total') + total('graphql_batches_total');
      return [spec.name, { operations, httpRequests }];
    }),
  );
}

/** Runs `run`, and returns with its result the subgraph operations and HTTP requests it caused per completed request. */
async function withSubgraphCounts<T extends { result: LoadResult }>(subgraphs: ServiceSpec[], run: () => Promise<T>) {
  const before = await subgraphCounts(subgraphs);
  const measured = await run();
  const after = await subgraphCounts(subgraphs);
  return { ...measured, ...subgraphCountsPerRequest(addSubgraphCounts({}, before, after), measured.result.requests) };
}

async function gatewayGraphql<T>(
  gatewayUrl: string,
  token: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  const response = await fetch(`${gatewayUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const json = (await response.json()) as GraphQLResponse<T>;
  if (!response.ok || json.errors?.length || !json.data) {
    throw new Error(`gateway answered HTTP ${response.status}: ${JSON.stringify(json).slice(0, 500)}`);
  }
  return json.data;
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

async function createData(gatewayUrl: string, token: string): Promise<void> {
  for (let i = 0; i < ORDERS; i++) {
    const { createOrder } = await gatewayGraphql<{ createOrder: { order: { id: string } } }>(
      gatewayUrl,
      token,
      'mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id } } }',
      { input: { locationId: '1', currency: 'USD', totalMinor: 1000 + 125 * i } },
    );
    await gatewayGraphql(
      gatewayUrl,
      token,
      'mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id } } }',
      { input: { orderId: createOrder.order.id, amountMinor: 1000 + 125 * i, currency: 'USD', cardToken: 'tok_visa' } },
    );
  }
}

/** JSON with object keys sorted, to compare two results regardless of key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

async function runAutocannon(
  gatewayUrl: string,
  token: string,
  seconds: number,
): Promise<LoadResult & { non2xx: number; graphqlErrors: number; connectionErrors: number }> {
  let graphqlErrors = 0;
  const options: autocannon.Options = {
    url: `${gatewayUrl}/graphql`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: QUERY, operationName: OPERATION_NAME }),
        onResponse: (status, body) => {
          if (status >= 200 && status < 300 && body.includes('"errors"')) graphqlErrors++;
        },
      },
    ],
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error, done) => (error ? reject(error as Error) : resolve(done)));
    aborted.signal.addEventListener('abort', () => instance.stop(), { once: true });
  });
  return {
    requests: result.requests.total,
    seconds: result.duration,
    latenciesMs: { p50: result.latency.p50, p99: result.latency.p99 },
    errors: result.non2xx + result.errors + graphqlErrors,
    non2xx: result.non2xx,
    graphqlErrors,
    connectionErrors: result.errors,
  };
}

function printTable(rows: TargetResult[]): void {
  const header = [
    'target',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'gw CPU ms/req',
    'subgraphs CPU ms/req',
    'PG CPU ms/req',
    'client CPU ms/req',
    'box busy %',
    'others %',
  ];
  const f = (n: number | null, digits = 2) => (n === null || Number.isNaN(n) ? '-' : n.toFixed(digits));
  const lines = rows.map((r) => [
    r.target,
    f(r.requestsPerSecond, 1),
    f(r.p50Ms, 1),
    f(r.p99Ms, 1),
    String(r.errors),
    f(r.cpuMsPerRequest.gateway),
    f(r.cpuMsPerRequest.subgraphs),
    f(r.cpuMsPerRequest.postgres),
    f(r.cpuMsPerRequest.client),
    f(r.machineBusyPercent, 0),
    f(r.othersPercent, 0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
  console.log(row(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const line of lines) console.log(row(line));
}

// ---------------------------------------------------------------------------------------------------------------
// The REST facade against the same GraphQL operation
// ---------------------------------------------------------------------------------------------------------------

/** REST must reach this share of the GraphQL throughput (the acceptance criterion of the REST facade's issue). */
const REST_TARGET_RATIO = 0.9;

/** Orders the read pair cycles through. */
const READ_ORDERS = 4;

/** The body every request of the create pair sends; no Idempotency-Key, so each request opens a new order. */
const CREATE_BODY = { location_id: 1, currency: 'USD', total_cents: 2500, external_reference: 'PO-1' };

/** The REST facade's replay header, lower-cased as undici gives response headers. */
const REPLAYED = REPLAYED_HEADER.toLowerCase();

function restRoute(operationId: string): RestRoute {
  const route = routes.find((r) => r.operationId === operationId);
  if (!route) throw new Error(`no REST route ${operationId} in gateway/src/rest/routes.ts`);
  return route;
}

/**
 * The variables the route passes to its operation for this input, as they go over the wire: computed by the
 * route itself, with the given Idempotency-Key (none: null), and the members it leaves undefined dropped as JSON
 * drops them.
 */
function routeVariables(
  route: RestRoute,
  input: { params?: Record<string, string>; body?: unknown; idempotencyKey?: string },
): Record<string, unknown> {
  const variables = route.variables({
    params: input.params ?? {},
    query: {},
    body: input.body,
    idempotencyKey: input.idempotencyKey ?? null,
  } as never);
  return JSON.parse(JSON.stringify(variables)) as Record<string, unknown>;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** The loyalty API's credential: an `X-Api-Key` instead of a Bearer token (a request may not carry both). */
interface ApiKey {
  apiKey: string;
}

/** One request to the gateway, as both sides of a pair send it: same pool, same token (or API key). */
async function call(
  pool: Pool,
  method: string,
  requestPath: string,
  token: string | ApiKey,
  body?: string,
  headers?: Record<string, string>,
): Promise<Answer> {
  const credential =
    typeof token === 'string' ? { authorization: `Bearer ${token}` } : { [API_KEY_HEADER]: token.apiKey };
  const response = await pool.request({
    path: requestPath,
    method: method as 'GET' | 'POST',
    headers:
      body === undefined
        ? { ...credential, ...headers }
        : { ...credential, 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

function parseJson(answer: Answer, who: string): unknown {
  try {
    return JSON.parse(answer.text);
  } catch {
    throw new Error(`${who} answered HTTP ${answer.status} with a body that is not JSON: ${answer.text.slice(0, 300)}`);
  }
}

/** The REST body, or an error unless the status is the route's documented one. */
function restBody(answer: Answer, status: number): Record<string, unknown> {
  if (answer.status !== status) {
    throw new Error(`REST answered HTTP ${answer.status} (expected ${status}): ${answer.text.slice(0, 300)}`);
  }
  return parseJson(answer, 'REST') as Record<string, unknown>;
}

/** The GraphQL data, or an error unless the status is 200 and there are data and no errors. */
function graphqlData(answer: Answer): Record<string, unknown> {
  const json = parseJson(answer, 'GraphQL') as GraphQLResponse<Record<string, unknown>>;
  if (answer.status !== 200 || json.errors?.length || !json.data) {
    throw new Error(`GraphQL answered HTTP ${answer.status}: ${answer.text.slice(0, 300)}`);
  }
  return json.data;
}

/**
 * One side of a pair: sends the n-th request of its runs (from the given worker, 0 to CONNECTIONS - 1) and throws
 * unless the answer is the expected one.
 */
interface PairSide {
  target: string;
  send(n: number, worker: number): Promise<void>;
}

/** Measured and warm-up seconds per side. */
interface Timing {
  seconds: number;
  warmupSeconds: number;
}

interface Pair {
  name: string;
  rest: PairSide;
  graphql: PairSide;
  /** What the report records about the two requests. */
  describe: Record<string, unknown>;
  /** BENCH_SECONDS and BENCH_WARMUP_SECONDS unless given. */
  timing?: Timing;
  /** Another variant, measured interleaved with the pair (same warm-up, same conditions) and reported alone. */
  alongside?: PairSide;
}

/** The REST path of `route` for these path parameters. */
function routePath(route: RestRoute, params: Record<string, string>): string {
  return route.path.replace(/\{(\w+)\}/g, (_match, name: string) => encodeURIComponent(params[name]));
}

/** Throws unless the bench's token holds every scope the measured routes and the data they need ask for. */
function requireScopes(scopes: string[], needed: string[], what: string): void {
  const missing = needed.filter((scope) => !scopes.includes(scope));
  if (missing.length) throw new Error(`${what} needs a token with ${missing.join(', ')}; it has ${scopes.join(' ')}`);
}

/** The order read: GET /pos/v1/orders/{id} against the route's `RestGetOrder` query, over the same orders. */
async function orderReadPair(pool: Pool, token: string): Promise<Pair> {
  const route = restRoute('getOrder');
  const ids: string[] = [];
  for (let i = 0; i < READ_ORDERS; i++) {
    const created = restBody(
      await call(
        pool,
        'POST',
        '/pos/v1/orders',
        token,
        JSON.stringify({
          location_id: 1,
          currency: 'USD',
          total_cents: LEVEL3_TOTAL_CENTS,
          external_reference: `PO-${4470 + i}`,
          external_source: 'bench-erp',
          external_id: `SO-${randomUUID()}`,
          level3: LEVEL3,
        }),
      ),
      201,
    );
    ids.push(String(created.id));
  }
  const method = route.method.toUpperCase();
  const paths = ids.map((id) => route.path.replace('{id}', id));
  const bodies = ids.map((id) =>
    JSON.stringify({ query: route.document, variables: routeVariables(route, { params: { id } }) }),
  );

  // Both must return the same order, field for field, before anything is measured.
  const bytes = { rest: 0, graphql: 0 };
  for (const [i, id] of ids.entries()) {
    const restAnswer = await call(pool, method, paths[i], token);
    const graphqlAnswer = await call(pool, 'POST', '/graphql', token, bodies[i]);
    const rest = restBody(restAnswer, route.response.status);
    const mapped = route.respond(graphqlData(graphqlAnswer));
    if (!mapped || mapped.status !== route.response.status || canonical(mapped.body) !== canonical(rest)) {
      throw new Error(`order ${id}: REST ${JSON.stringify(rest)} but GraphQL maps to ${JSON.stringify(mapped)}`);
    }
    if (!(rest.level3 as { line_items?: unknown[] } | null)?.line_items?.length || rest.external_id == null) {
      throw new Error(`order ${id} came back without its Level 3 lines or external id: ${restAnswer.text}`);
    }
    bytes.rest = Buffer.byteLength(restAnswer.text);
    bytes.graphql = Buffer.byteLength(graphqlAnswer.text);
  }

  const expectId = (who: string, id: string, got: unknown) => {
    if (got !== id) throw new Error(`${who} returned order ${String(got)} for ${id}`);
  };
  return {
    name: 'order read',
    rest: {
      target: 'rest order read',
      send: async (n) => {
        const body = restBody(await call(pool, method, paths[n % ids.length], token), route.response.status);
        expectId('REST', ids[n % ids.length], body.id);
      },
    },
    graphql: {
      target: 'graphql order read',
      send: async (n) => {
        const data = graphqlData(await call(pool, 'POST', '/graphql', token, bodies[n % ids.length]));
        expectId('GraphQL', ids[n % ids.length], (data.order as { id?: unknown } | null)?.id);
      },
    },
    describe: {
      rest: `${method} ${route.path}`,
      graphql: { document: route.document, variables: routeVariables(route, { params: { id: ids[0] } }) },
      orders: ids.length,
      responseBytes: bytes,
    },
  };
}

/** The order creation: POST /pos/v1/orders against the route's `RestCreateOrder` mutation, same order data. */
async function createOrderPair(pool: Pool, token: string): Promise<Pair> {
  const route = restRoute('createOrder');
  const method = route.method.toUpperCase();
  const restRequest = JSON.stringify(CREATE_BODY);
  const graphqlRequest = JSON.stringify({
    query: route.document,
    variables: routeVariables(route, { body: CREATE_BODY }),
  });

  // Both must open the same order (all but its id, number and timestamps), and neither may be a replay.
  const restAnswer = await call(pool, method, route.path, token, restRequest);
  const graphqlAnswer = await call(pool, 'POST', '/graphql', token, graphqlRequest);
  const rest = restBody(restAnswer, route.response.status);
  const mapped = route.respond(graphqlData(graphqlAnswer));
  const comparable = (order: unknown) => {
    const {
      id: _id,
      number: _number,
      created_at: _created,
      updated_at: _updated,
      ...rest
    } = order as Record<string, unknown>;
    return canonical(rest);
  };
  if (
    !mapped ||
    mapped.status !== route.response.status ||
    mapped.replayed ||
    restAnswer.headers[REPLAYED] !== undefined ||
    comparable(mapped.body) !== comparable(rest)
  ) {
    throw new Error(`create: REST ${JSON.stringify(rest)} but GraphQL maps to ${JSON.stringify(mapped)}`);
  }

  const expectNew = (who: string, id: unknown, replayed: unknown) => {
    if (typeof id !== 'string' || replayed) throw new Error(`${who} did not open a new order (id ${String(id)})`);
  };
  return {
    name: 'create order',
    rest: {
      target: 'rest create order',
      send: async () => {
        const answer = await call(pool, method, route.path, token, restRequest);
        expectNew('REST', restBody(answer, route.response.status).id, answer.headers[REPLAYED]);
      },
    },
    graphql: {
      target: 'graphql create order',
      send: async () => {
        const data = graphqlData(await call(pool, 'POST', '/graphql', token, graphqlRequest));
        const result = data.createOrder as { idempotentReplay?: unknown; order?: { id?: unknown } } | null;
        expectNew('GraphQL', result?.order?.id, result?.idempotentReplay);
      },
    },
    describe: {
      rest: `${method} ${route.path}`,
      restBody: CREATE_BODY,
      graphql: { document: route.document, variables: routeVariables(route, { body: CREATE_BODY }) },
      idempotencyKey: 'none (null): every request opens a new order',
      responseBytes: { rest: Buffer.byteLength(restAnswer.text), graphql: Buffer.byteLength(graphqlAnswer.text) },
    },
  };
}

/**
 * Measured and warm-up seconds per side of the check read and of the pay measurements (three sides: spread REST,
 * spread GraphQL, contended REST). Their paths are first hit here and their throughput climbs steeply for the first
 * seconds (JIT): with a 1 s warm-up per side the REST side, which runs first in every block, came out behind (check
 * read 0.92 and 0.93 in two runs, pay 0.93 and 0.85); with these warm-ups the ratios are about those of runs with
 * 4 s warm-ups and 12 s measured (1.02 and 0.99).
 */
const CHECK_TIMING: Timing = { seconds: CHECK_SECONDS, warmupSeconds: CHECK_WARMUP_SECONDS };
const PAY_TIMING: Timing = { seconds: PAY_SECONDS, warmupSeconds: PAY_WARMUP_SECONDS };
/** The earn measurements: three sides as for pay (spread REST, spread GraphQL, contended REST), first hit here too. */
const LOYALTY_TIMING: Timing = { seconds: LOYALTY_SECONDS, warmupSeconds: LOYALTY_WARMUP_SECONDS };

/** Seeded demo checks of location 1 that the check read cycles through (1-104 is the locked one: still readable). */
const READ_CHECKS = ['1-101', '1-102', '1-103', '1-104'];

/** The check read: GET /pos/v2/{locationId}/checks/{posRef} against the route's `MobileCheck` query. */
async function checkReadPair(pool: Pool, token: string, scopes: string[]): Promise<Pair> {
  const route = restRoute('getCheck');
  requireScopes(scopes, [route.scope], 'the check read');
  const method = route.method.toUpperCase();
  const params = READ_CHECKS.map((posRef) => ({ locationId: '1', posRef }));
  const paths = params.map((p) => routePath(route, p));
  const bodies = params.map((p) =>
    JSON.stringify({ query: route.document, variables: routeVariables(route, { params: p }) }),
  );

  // Both must return the same check, field for field, before anything is measured; then every answer of the run
  // must be, byte for byte, the one its side gave here.
  const expected: Array<{ rest: string; graphql: string }> = [];
  for (const [i, { posRef }] of params.entries()) {
    const restAnswer = await call(pool, method, paths[i], token);
    const graphqlAnswer = await call(pool, 'POST', '/graphql', token, bodies[i]);
    const rest = restBody(restAnswer, route.response.status);
    const mapped = route.respond(graphqlData(graphqlAnswer));
    if (!mapped || mapped.status !== route.response.status || canonical(mapped.body) !== canonical(rest)) {
      throw new Error(`check ${posRef}: REST ${JSON.stringify(rest)} but GraphQL maps to ${JSON.stringify(mapped)}`);
    }
    if (
      rest.posRef !== posRef ||
      !(rest.items as unknown[] | undefined)?.length ||
      !(rest.taxList as unknown[]).length
    ) {
      throw new Error(`check ${posRef} came back without its items or taxes: ${restAnswer.text}`);
    }
    expected.push({ rest: restAnswer.text, graphql: graphqlAnswer.text });
  }

  const expectSame = (who: string, i: number, text: string, wanted: string) => {
    if (text !== wanted) throw new Error(`${who} answered for check ${READ_CHECKS[i]}: ${text.slice(0, 300)}`);
  };
  return {
    name: 'check read',
    rest: {
      target: 'rest check read',
      send: async (n) => {
        const i = n % params.length;
        const answer = await call(pool, method, paths[i], token);
        restBody(answer, route.response.status);
        expectSame('REST', i, answer.text, expected[i].rest);
      },
    },
    graphql: {
      target: 'graphql check read',
      send: async (n) => {
        const i = n % params.length;
        const answer = await call(pool, 'POST', '/graphql', token, bodies[i]);
        graphqlData(answer);
        expectSame('GraphQL', i, answer.text, expected[i].graphql);
      },
    },
    describe: {
      rest: `${method} ${route.path}`,
      graphql: { document: route.document, variables: routeVariables(route, { params: params[0] }) },
      checks: paths,
      responseBytes: {
        rest: expected.map((e) => Buffer.byteLength(e.rest)),
        graphql: expected.map((e) => Buffer.byteLength(e.graphql)),
      },
    },
    timing: CHECK_TIMING,
  };
}

/** What every pay request registers: 1.00 on the card below, with a processor invoice of its own. */
const PAY_AMOUNT = 100;
const payBody = (invoice: string) => ({
  amount: PAY_AMOUNT,
  card: { type: 'VS', last4Digits: '4242', expirationDate: '1240', token: 'tok_visa' },
  transaction: { authorizationCode: 'A1', invoice },
});

/**
 * More pay requests a second than any run here gets near (about 65 on the 2-core machine): every bench check
 * is opened with a price that covers PAY_AMOUNT at this rate for the whole of the pay measurements, so none can
 * run out (a 400 "more than the check still owes" would count as a failure).
 */
const PAY_RATE_BOUND = 5000;

const OPEN_CHECK =
  'mutation BenchOpenCheck($input: OpenCheckInput!) { openCheck(input: $input) { userErrors { code message } check { id } } }';
const ADD_CHECK_ITEM =
  'mutation BenchAddCheckItem($input: AddCheckItemInput!) { addCheckItem(input: $input) { userErrors { code message } check { total { amountMinor } } } }';

/** The check of a check mutation's payload; a refusal (its user errors) fails the bench's setup. */
function payloadCheck<T>(data: Record<string, unknown>, field: string): T {
  const payload = data[field] as { userErrors: unknown[]; check: T | null };
  if (payload.userErrors.length || !payload.check) {
    throw new Error(`${field} refused: ${JSON.stringify(payload.userErrors)}`);
  }
  return payload.check;
}

/**
 * The check payment: REST pay against the route's `MobilePayCheck` mutation, each worker paying its own check, and
 * alongside, REST pay with every worker paying the same check (the contended case: the payable row lock's queue).
 * Opens CONNECTIONS checks at location 1 (one per worker) and one more for the contended case, through the
 * gateway's GraphQL, each with one item priced to cover every payment the runs can make. Every request, on any
 * side, registers a new payment: its own processor invoice and its own Idempotency-Key.
 */
async function payCheckPair(pool: Pool, token: string, scopes: string[]): Promise<Pair> {
  const route = restRoute('payCheck');
  requireScopes(scopes, [route.scope, SCOPES.posOrders], 'the check payment');
  const method = route.method.toUpperCase();
  const seconds = 3 * (PAY_TIMING.seconds + PAY_TIMING.warmupSeconds);
  const price = PAY_RATE_BOUND * Math.ceil(seconds) * PAY_AMOUNT + 10 * PAY_AMOUNT;
  if (price > MAX_AMOUNT_CENTS)
    throw new Error('BENCH_PAY_SECONDS is too long for one check item to cover the payments');

  const run = randomUUID().slice(0, 8);
  const posRefs = [...Array.from({ length: CONNECTIONS }, (_, i) => `bench-${run}-${i + 1}`), `bench-${run}-contended`];
  for (const [i, posRef] of posRefs.entries()) {
    const opened = graphqlData(
      await call(
        pool,
        'POST',
        '/graphql',
        token,
        JSON.stringify({
          query: OPEN_CHECK,
          variables: {
            input: {
              locationId: '1',
              posRef,
              orderNumber: `B${i + 1}`,
              ownedByEmployeeRef: 'EMP-BENCH',
              ownedByEmployee: 'Bench',
            },
          },
        }),
      ),
    );
    const checkId = payloadCheck<{ id: string }>(opened, 'openCheck').id;
    const added = graphqlData(
      await call(
        pool,
        'POST',
        '/graphql',
        token,
        JSON.stringify({
          query: ADD_CHECK_ITEM,
          variables: {
            input: { checkId, item: { posRef: 'ITEM-BENCH', name: 'Bench tab', quantity: 1, priceMinor: price } },
          },
        }),
      ),
    );
    if (payloadCheck<{ total: { amountMinor: number } }>(added, 'addCheckItem').total.amountMinor !== price) {
      throw new Error(`check ${posRef} does not total ${price}: ${JSON.stringify(added)}`);
    }
  }
  const params = posRefs.map((posRef) => ({ locationId: '1', posRef }));
  const paths = params.map((p) => routePath(route, p));
  const graphqlRequest = (check: number, invoice: string) =>
    JSON.stringify({
      query: route.document,
      variables: routeVariables(route, {
        params: params[check],
        body: payBody(invoice),
        idempotencyKey: randomUUID(),
      }),
    });
  const restPay = (check: number, invoice: string) =>
    call(pool, method, paths[check], token, JSON.stringify(payBody(invoice)), { 'idempotency-key': randomUUID() });

  // Both must register a payment on the same check, the second owing PAY_AMOUNT less, and neither may be a replay.
  const restAnswer = await restPay(0, `${run}-check-rest`);
  const graphqlAnswer = await call(pool, 'POST', '/graphql', token, graphqlRequest(0, `${run}-check-graphql`));
  const rest = restBody(restAnswer, route.response.status);
  const mapped = route.respond(graphqlData(graphqlAnswer));
  const paid = mapped?.body as { paymentRef?: unknown; remainingAmount?: unknown } | undefined;
  if (
    !mapped ||
    mapped.status !== route.response.status ||
    mapped.replayed ||
    restAnswer.headers[REPLAYED] !== undefined ||
    canonical(Object.keys(rest).sort()) !== canonical(Object.keys(paid ?? {}).sort()) ||
    typeof rest.paymentRef !== 'string' ||
    typeof paid?.paymentRef !== 'string' ||
    rest.paymentRef === paid.paymentRef ||
    rest.remainingAmount !== String(price - PAY_AMOUNT) ||
    paid.remainingAmount !== String(price - 2 * PAY_AMOUNT)
  ) {
    throw new Error(`pay: REST ${JSON.stringify(rest)} but GraphQL maps to ${JSON.stringify(mapped)}`);
  }

  const expectNew = (who: string, paymentRef: unknown, replayed: unknown) => {
    if (typeof paymentRef !== 'string' || replayed) {
      throw new Error(`${who} did not register a new payment (${String(paymentRef)})`);
    }
  };
  const restSide = (target: string, tag: string, check: (worker: number) => number): PairSide => ({
    target,
    send: async (n, worker) => {
      const answer = await restPay(check(worker), `${run}-${tag}-${n}`);
      expectNew('REST', restBody(answer, route.response.status).paymentRef, answer.headers[REPLAYED]);
    },
  });
  const spread = (worker: number) => worker % CONNECTIONS;
  const contendedCheck = posRefs.length - 1;
  return {
    name: 'pay check spread',
    rest: restSide('rest pay spread', 'rest', spread),
    graphql: {
      target: 'graphql pay spread',
      send: async (n, worker) => {
        const data = graphqlData(
          await call(pool, 'POST', '/graphql', token, graphqlRequest(spread(worker), `${run}-graphql-${n}`)),
        );
        const result = data.payCheck as { idempotentReplay?: unknown; payment?: { id?: unknown } } | null;
        expectNew('GraphQL', result?.payment?.id, result?.idempotentReplay);
      },
    },
    alongside: restSide('rest pay contended', 'contended', () => contendedCheck),
    describe: {
      rest: `${method} ${route.path}`,
      restBody: payBody(`${run}-rest-<n>`),
      restHeaders: { 'Idempotency-Key': '<a new UUID per request>' },
      graphql: {
        document: route.document,
        variables: routeVariables(route, {
          params: params[0],
          body: payBody(`${run}-graphql-<n>`),
          idempotencyKey: '<a new UUID per request>',
        }),
      },
      checks: `${CONNECTIONS} checks at location 1, one per worker: worker i pays posRef bench-${run}-<i + 1>`,
      alongside: `rest pay contended: the REST request, every worker paying posRef ${posRefs[contendedCheck]}`,
      checkPriceCents: price,
      openedThrough: [OPEN_CHECK, ADD_CHECK_ITEM],
      responseBytes: { rest: Buffer.byteLength(restAnswer.text), graphql: Buffer.byteLength(graphqlAnswer.text) },
    },
    timing: PAY_TIMING,
  };
}

/** The loyalty org the earn pair earns at: the standard preset, which never asks for a PIN. */
const LOYALTY_ORG = DEMO.loyaltyOrgs.find((org) => org.preset === 'standard')!;
/** Its demo customers (482193, 482194, 482195): the spread earn cycles through them, the contended one uses the first. */
const LOYALTY_CUSTOMERS = demoLoyaltyCodes(LOYALTY_ORG);
/** What every earn request sends: a point-card purchase of 85.50 (REST's decimal `amount`, GraphQL's cents). */
const EARN_AMOUNT = 85.5;
const earnBody = (customerCode: string, externalId: string) => ({
  customer_code: Number(customerCode),
  amount: EARN_AMOUNT,
  card_type: 'point',
  external_id: externalId,
});
const LOYALTY_CUSTOMER_POINTS =
  'query BenchLoyaltyCustomer($code: String!) { loyaltyCustomer(code: $code) { points stamps org { earnRatio } } }';

/** Per side of the earn pair, the answers that were not a new earn: they fail the run. */
interface EarnFailures {
  non2xx: number;
  alreadyProcessed: number;
  other: number;
}

/**
 * The loyalty earn: POST /webhook/pos against the route's `Earn` mutation, both with the standard org's X-Api-Key
 * (no Authorization header), worker i earning for customer i mod 3; alongside, REST with every worker earning for
 * the same customer (the contended case: earns on one customer queue on its row lock). Every request, on any side,
 * has an external_id of its own, so every one records an earn: an answer that is not 200, or is 200 "already
 * processed", is counted (per side, in `failures`) and fails the run.
 */
async function loyaltyEarnPair(pool: Pool): Promise<Pair & { failures: Record<string, EarnFailures> }> {
  const route = restRoute('earnLoyalty');
  const key: ApiKey = { apiKey: LOYALTY_ORG.apiKey };
  const method = route.method.toUpperCase();
  const run = randomUUID().slice(0, 8);
  const graphqlRequest = (customer: string, externalId: string) =>
    JSON.stringify({
      query: route.document,
      variables: routeVariables(route, { body: earnBody(customer, externalId) }),
    });
  const restEarn = (customer: string, externalId: string) =>
    call(pool, method, route.path, key, JSON.stringify(earnBody(customer, externalId)));

  // Both must award the same points to the same customer (the balance climbing by one earn each, REST then
  // GraphQL), with the same response once mapped; a repeat of either's external_id must be "already processed",
  // which is what the run below looks for.
  const customer = LOYALTY_CUSTOMERS[0];
  const before = graphqlData(
    await call(
      pool,
      'POST',
      '/graphql',
      key,
      JSON.stringify({ query: LOYALTY_CUSTOMER_POINTS, variables: { code: customer } }),
    ),
  ).loyaltyCustomer as { points: number; stamps: number; org: { earnRatio: number } } | null;
  if (!before) throw new Error(`loyalty customer ${customer} not found with the ${LOYALTY_ORG.apiKey} key`);
  const earned = Math.floor(EARN_AMOUNT * before.org.earnRatio + 0.5);
  const restAnswer = await restEarn(customer, `${run}-check-rest`);
  const graphqlAnswer = await call(pool, 'POST', '/graphql', key, graphqlRequest(customer, `${run}-check-graphql`));
  const rest = restBody(restAnswer, route.response.status).data as Record<string, unknown> | undefined;
  const mapped = route.respond(graphqlData(graphqlAnswer));
  const viaGraphql = (mapped?.body as { data?: Record<string, unknown> } | undefined)?.data;
  if (
    !mapped ||
    mapped.status !== route.response.status ||
    !rest ||
    !viaGraphql ||
    !earned ||
    canonical(Object.keys(rest).sort()) !== canonical(Object.keys(viaGraphql).sort()) ||
    rest.points !== before.points + earned ||
    viaGraphql.points !== before.points + 2 * earned ||
    rest.stamps !== before.stamps ||
    viaGraphql.stamps !== before.stamps
  ) {
    throw new Error(
      `earn: ${customer} had ${JSON.stringify(before)}; REST ${restAnswer.text} but GraphQL maps to ` +
        JSON.stringify(mapped),
    );
  }
  const repeatRest = restBody(await restEarn(customer, `${run}-check-rest`), route.response.status);
  const repeatGraphql = graphqlData(
    await call(pool, 'POST', '/graphql', key, graphqlRequest(customer, `${run}-check-graphql`)),
  );
  if (
    (repeatRest.data as { message?: unknown } | undefined)?.message !== 'already processed' ||
    (repeatGraphql.earnLoyalty as { idempotentReplay?: unknown } | null)?.idempotentReplay !== true
  ) {
    throw new Error(
      `earn: a repeated external_id was not "already processed": REST ${JSON.stringify(repeatRest)}, GraphQL ${JSON.stringify(repeatGraphql)}`,
    );
  }

  const failures: Record<string, EarnFailures> = {};
  const tally = (target: string) => (failures[target] = { non2xx: 0, alreadyProcessed: 0, other: 0 });
  /** Counts and throws unless the earn recorded: a 2xx, no "already processed", a balance in the answer. */
  const expectEarn = (counts: EarnFailures, who: string, status: number, result: unknown, text: string) => {
    const earn = result as { idempotentReplay?: unknown; message?: unknown; points?: unknown } | null | undefined;
    if (status < 200 || status >= 300) counts.non2xx++;
    else if (earn?.idempotentReplay === true || earn?.message === 'already processed') counts.alreadyProcessed++;
    else if (typeof earn?.points === 'number' && earn.idempotentReplay !== true) return;
    else counts.other++;
    throw new Error(`${who} did not record a new earn: HTTP ${status} ${text.slice(0, 300)}`);
  };
  const restSide = (target: string, tag: string, customerOf: (worker: number) => string): PairSide => {
    const counts = tally(target);
    return {
      target,
      send: async (n, worker) => {
        const answer = await restEarn(customerOf(worker), `${run}-${tag}-${n}`);
        let data: unknown;
        try {
          data = (JSON.parse(answer.text) as { data?: unknown }).data;
        } catch {
          data = null;
        }
        expectEarn(counts, 'REST', answer.status, data, answer.text);
      },
    };
  };
  const spread = (worker: number) => LOYALTY_CUSTOMERS[worker % LOYALTY_CUSTOMERS.length];
  const graphqlCounts = tally('graphql earn spread');
  return {
    name: 'earn spread',
    rest: restSide('rest earn spread', 'rest', spread),
    graphql: {
      target: 'graphql earn spread',
      send: async (n, worker) => {
        const answer = await call(pool, 'POST', '/graphql', key, graphqlRequest(spread(worker), `${run}-graphql-${n}`));
        let result: unknown = null;
        try {
          const json = JSON.parse(answer.text) as GraphQLResponse<{ earnLoyalty?: unknown }>;
          if (!json.errors?.length) result = json.data?.earnLoyalty;
        } catch {
          result = null;
        }
        expectEarn(graphqlCounts, 'GraphQL', answer.status, result, answer.text);
      },
    },
    alongside: restSide('rest earn contended', 'contended', () => customer),
    describe: {
      rest: `${method} ${route.path}`,
      restBody: earnBody(customer, `${run}-rest-<n>`),
      headers: { 'X-Api-Key': LOYALTY_ORG.apiKey },
      graphql: {
        document: route.document,
        variables: routeVariables(route, { body: earnBody(customer, `${run}-graphql-<n>`) }),
      },
      customers: `worker i earns for customer ${LOYALTY_CUSTOMERS.join(', ')}[i mod ${LOYALTY_CUSTOMERS.length}]`,
      alongside: `rest earn contended: the REST request, every worker earning for customer ${customer}`,
      pointsPerEarn: earned,
      responseBytes: { rest: Buffer.byteLength(restAnswer.text), graphql: Buffer.byteLength(graphqlAnswer.text) },
    },
    timing: LOYALTY_TIMING,
    failures,
  };
}

interface SideRun {
  result: TargetResult;
  /** Per completed request, from the subgraphs' /metrics: both sides of a pair must cause the same operations. */
  subgraphOperationsPerRequest: Record<string, number>;
  /** HTTP requests to each subgraph's /graphql per completed request (batched operations share one). */
  subgraphHttpRequestsPerRequest: Record<string, number>;
  /** req/s of each measured segment, in the order run: how far apart they are shows the noise. */
  segmentsPerSecond: number[];
  warmupErrors: number;
  firstError: string | null;
}

/**
 * Warms both sides up and measures them in short alternating segments (`runSides` of bench-common): the warm-up in
 * ~1 s slices A B A B ..., the measurement in blocks A B B A of ~1.25 s segments (the pair's measured seconds per
 * side in all). On the 2-core machine the routes' throughput still climbs for 10-15 s after they are first hit (JIT
 * and GC tuning in the gateway and the subgraph) and bursts of other load come and go; one long run per side, or
 * even A B B A with 5 s segments, put a different share of that on each side, and the ratio swung between 0.89 and
 * 1.23 from run to run. Interleaved, both sides get the same share, and the orders the create pair adds weigh on
 * both alike. An alongside variant makes the blocks A B C C B A.
 */
async function runPair(
  pids: { gateway: number; subgraphs: number[] },
  subgraphs: ServiceSpec[],
  pair: Pair,
): Promise<{ rest: SideRun; graphql: SideRun; alongside: SideRun | null }> {
  const timing = pair.timing ?? { seconds: SECONDS, warmupSeconds: WARMUP_SECONDS };
  const sides = [pair.rest, pair.graphql, ...(pair.alongside ? [pair.alongside] : [])];
  const measured = await runSides(sides, {
    connections: CONNECTIONS,
    ...timing,
    blockSeconds: 2.5,
    pids: () => pids,
    subgraphCounts: () => subgraphCounts(subgraphs),
  });
  const [rest, graphql, alongside] = measured.map(({ side, load, cpu, ...m }): SideRun => ({
    result: summarise(side.target, load, cpu, true),
    ...m,
  }));
  return { rest, graphql, alongside: alongside ?? null };
}

/** The federated query against the direct client, then the REST pairs: the first part of the bench. */
async function queryBench(sys: System): Promise<{ report: Record<string, unknown>; failed: boolean }> {
  const { gatewayUrl, token, scopes, urls, secrets, plan, pids, subgraphSpecs, clients } = sys;
  await createData(gatewayUrl, token);
  const contextToken = await signInternalContext(
    secrets.INTERNAL_JWT_SECRET,
    { tenantId: 'demo', subject: 'demo-partner', kind: 'm2m', clientId: 'demo-partner', scopes, locationIds: null },
    600,
  );
  const direct = new DirectClient(urls, plan, contextToken, CONNECTIONS);
  clients.push(direct);

  // Both targets must return the same, non-trivial data before anything is measured.
  const viaGateway = await gatewayGraphql<BenchData>(gatewayUrl, token, QUERY);
  const viaDirect = await direct.fetch();
  const orderCount = viaGateway.locations.nodes.reduce((n, l) => n + l.orders.nodes.length, 0);
  const paymentCount = viaGateway.locations.nodes.reduce(
    (n, l) => n + l.orders.nodes.reduce((m, o) => m + o.payments.nodes.length, 0),
    0,
  );
  const checkCount = viaGateway.locations.nodes.reduce((n, l) => n + l.checks.nodes.length, 0);
  if (!paymentCount || !checkCount)
    throw new Error(`the query returned too little data: ${JSON.stringify(viaGateway)}`);
  if (canonical(viaGateway) !== canonical(viaDirect)) {
    throw new Error('the direct client and the gateway returned different data');
  }
  const responseBytes = Buffer.byteLength(JSON.stringify({ data: viaGateway }));
  console.log(
    `Query: ${viaGateway.locations.nodes.length} locations, ${orderCount} orders, ${paymentCount} payments, ` +
      `${checkCount} open checks (${responseBytes} bytes); direct plan from the ${plan.source}` +
      `${plan.parallel ? ' (entity fetches in parallel)' : ''}.`,
  );

  let firstDirectError: unknown = null;
  const noteError = (error: unknown) => {
    firstDirectError ??= error;
  };

  console.log(`gateway: ${WARMUP_SECONDS} s warm-up, then ${SECONDS} s measured, ${CONNECTIONS} connections...`);
  await runAutocannon(gatewayUrl, token, WARMUP_SECONDS);
  const gatewayRun = await withSubgraphCounts(subgraphSpecs, () =>
    withCpu(pids, () => runAutocannon(gatewayUrl, token, SECONDS)),
  );
  aborted.signal.throwIfAborted();

  console.log(`direct:  ${WARMUP_SECONDS} s warm-up, then ${SECONDS} s measured, ${CONNECTIONS} workers...`);
  await closedLoop(CONNECTIONS, WARMUP_SECONDS, () => direct.fetch(), noteError);
  const directRun = await withSubgraphCounts(subgraphSpecs, () =>
    withCpu(pids, () => closedLoop(CONNECTIONS, SECONDS, () => direct.fetch(), noteError)),
  );
  aborted.signal.throwIfAborted();
  if (firstDirectError) console.warn(`direct client error (first of them): ${String(firstDirectError)}`);

  const rows = [
    summarise('gateway', gatewayRun.result, gatewayRun.cpu, true),
    summarise('direct', directRun.result, directRun.cpu, false),
  ];
  const [gw, dr] = rows;
  const ratio = {
    throughput: gw.requestsPerSecond / dr.requestsPerSecond,
    p50: gw.p50Ms / dr.p50Ms,
    p99: gw.p99Ms / dr.p99Ms,
  };
  console.log('');
  printTable(rows);
  console.log(
    `\nratio gateway/direct throughput: ${ratio.throughput.toFixed(2)}, p50: ${ratio.p50.toFixed(2)}, p99: ${ratio.p99.toFixed(2)}`,
  );
  console.log(
    'CPU columns: CPU ms per completed request of the gateway process, the four subgraph processes, PostgreSQL and ' +
      'this process (autocannon or the direct client); box busy % is of all cores, others % is processes not ours.',
  );
  const operations = (counts: Record<string, number>) =>
    Object.entries(counts)
      .filter(([, n]) => n > 0.005)
      .map(([name, n]) => `${name} ${n.toFixed(2)}`)
      .join(', ');
  console.log(
    `subgraph operations per request (from their /metrics): gateway ${operations(gatewayRun.subgraphOperationsPerRequest)}; ` +
      `direct ${operations(directRun.subgraphOperationsPerRequest)}`,
  );
  if (rows.some((r) => (r.othersPercent ?? 0) > 10)) {
    console.log(
      'note: other processes used a noticeable share of the CPU during the runs ("others %"); the numbers are noisy.',
    );
  }
  if (gatewayRun.result.errors) {
    console.log(
      `gateway errors: ${gatewayRun.result.non2xx} non-2xx, ${gatewayRun.result.graphqlErrors} with GraphQL errors, ` +
        `${gatewayRun.result.connectionErrors} connection errors/timeouts`,
    );
  }

  // The REST pairs come last: the orders they create would otherwise change the federated query's data.
  const restPool = new Pool(gatewayUrl, { connections: CONNECTIONS, keepAliveTimeout: 60_000 });
  clients.push(restPool);
  const pairs = [
    await orderReadPair(restPool, token),
    await createOrderPair(restPool, token),
    await checkReadPair(restPool, token, scopes),
    await payCheckPair(restPool, token, scopes),
  ];
  const earnPair = await loyaltyEarnPair(restPool);
  pairs.push(earnPair);
  const compared = [];
  for (const pair of pairs) {
    const timing = pair.timing ?? { seconds: SECONDS, warmupSeconds: WARMUP_SECONDS };
    console.log(
      `\n${pair.name}: REST ${String(pair.describe.rest)} vs its GraphQL operation at /graphql` +
        `${pair.alongside ? `, and ${String(pair.describe.alongside)}` : ''}; ${timing.warmupSeconds} s ` +
        `warm-up and ${timing.seconds} s measured each, interleaved, ${CONNECTIONS} workers...`,
    );
    const { rest, graphql, alongside } = await runPair(pids, subgraphSpecs, pair);
    const ratio = {
      throughput: rest.result.requestsPerSecond / graphql.result.requestsPerSecond,
      p50: rest.result.p50Ms / graphql.result.p50Ms,
      p99: rest.result.p99Ms / graphql.result.p99Ms,
    };
    compared.push({ pair, rest, graphql, alongside, ratio, timing });
  }
  const sides = compared.flatMap((c) => [c.rest, c.graphql, ...(c.alongside ? [c.alongside] : [])]);
  const pay = compared.find((c) => c.pair.name === 'pay check spread')!;
  const payRuns = { spread: pay.rest, contended: pay.alongside! };
  const earn = compared.find((c) => c.pair === earnPair)!;
  const earnRuns = { 'rest spread': earn.rest, 'graphql spread': earn.graphql, 'rest contended': earn.alongside! };
  console.log('');
  printTable(sides.map((side) => side.result));
  for (const side of sides) {
    if (side.result.errors || side.warmupErrors) {
      console.log(
        `${side.result.target} errors: ${side.result.errors} measured, ${side.warmupErrors} in the warm-up; ` +
          `first: ${side.firstError ?? '-'}`,
      );
    }
  }
  for (const { pair, rest, graphql, alongside } of compared) {
    console.log(
      `${pair.name}: response bytes ${JSON.stringify(pair.describe.responseBytes)}; subgraph operations per ` +
        `request: rest ${operations(rest.subgraphOperationsPerRequest)}; ` +
        `graphql ${operations(graphql.subgraphOperationsPerRequest)}; req/s per segment: ` +
        `rest ${rest.segmentsPerSecond.map((r) => r.toFixed(0)).join('/')}, ` +
        `graphql ${graphql.segmentsPerSecond.map((r) => r.toFixed(0)).join('/')}` +
        (alongside
          ? `; ${alongside.result.target}: subgraph operations per request ` +
            `${operations(alongside.subgraphOperationsPerRequest)}, req/s per segment ` +
            alongside.segmentsPerSecond.map((r) => r.toFixed(0)).join('/')
          : ''),
    );
  }
  // One line per figure, so that a regression shows at a glance.
  console.log('');
  for (const { pair, ratio } of compared) {
    const below = ratio.throughput < REST_TARGET_RATIO ? ' BELOW TARGET' : '';
    console.log(
      `bench: rest/graphql ${pair.name} ${ratio.throughput.toFixed(2)} (target >= ${REST_TARGET_RATIO})${below}`,
    );
  }
  for (const [variant, run] of Object.entries(payRuns)) {
    const checks = variant === 'spread' ? CONNECTIONS : 1;
    const failures = run.result.errors + run.warmupErrors;
    console.log(
      `bench: rest pay check ${variant} (${CONNECTIONS} workers, ${checks} check${checks === 1 ? '' : 's'}) ` +
        `${run.result.requestsPerSecond.toFixed(1)} req/s, p50 ${run.result.p50Ms.toFixed(1)} ms, ` +
        `p99 ${run.result.p99Ms.toFixed(1)} ms, ${failures} failures (target 0)${failures ? ' FAILED' : ''}`,
    );
  }
  for (const [variant, run] of Object.entries(earnRuns)) {
    const customers = variant.endsWith('spread') ? LOYALTY_CUSTOMERS.length : 1;
    const failures = run.result.errors + run.warmupErrors;
    const counts = earnPair.failures[run.result.target];
    console.log(
      `bench: ${variant.replace(' ', ' earn ')} (${CONNECTIONS} workers, ${customers} customer` +
        `${customers === 1 ? '' : 's'}) ${run.result.requestsPerSecond.toFixed(1)} req/s, ` +
        `p50 ${run.result.p50Ms.toFixed(1)} ms, p99 ${run.result.p99Ms.toFixed(1)} ms, ${failures} failures ` +
        `(${counts.non2xx} non-2xx, ${counts.alreadyProcessed} already processed; target 0)${failures ? ' FAILED' : ''}`,
    );
  }
  const restErrors = sides.reduce((n, side) => n + side.result.errors + side.warmupErrors, 0);
  const earnFailures = Object.values(earnPair.failures).reduce(
    (n, c) => n + c.non2xx + c.alreadyProcessed + c.other,
    0,
  );
  if (earnFailures) {
    console.error(
      `earn FAILED: ${earnFailures} answers did not record a new earn: ${JSON.stringify(earnPair.failures)}`,
    );
  }
  return {
    failed: rows.some((r) => r.errors > 0) || restErrors > 0 || earnFailures > 0,
    report: {
      query: QUERY,
      data: {
        locations: viaGateway.locations.nodes.length,
        orders: orderCount,
        payments: paymentCount,
        openChecks: checkCount,
        responseBytes,
      },
      directPlan: plan,
      results: rows,
      subgraphOperationsPerRequest: {
        gateway: gatewayRun.subgraphOperationsPerRequest,
        direct: directRun.subgraphOperationsPerRequest,
      },
      subgraphHttpRequestsPerRequest: {
        gateway: gatewayRun.subgraphHttpRequestsPerRequest,
        direct: directRun.subgraphHttpRequestsPerRequest,
      },
      ratio,
      restVsGraphql: {
        targetRatio: REST_TARGET_RATIO,
        measurement:
          'closed loop over one undici Pool, same token, data and workers; warm-up in ~1 s slices A B A B ..., ' +
          'then blocks A B B A of ~1.25 s segments (seconds and warmupSeconds per side are given for each pair)',
        pairs: compared.map(({ pair, rest, graphql, alongside, ratio: pairRatio, timing }) => ({
          name: pair.name,
          ...timing,
          ...pair.describe,
          results: [rest.result, graphql.result],
          subgraphOperationsPerRequest: {
            rest: rest.subgraphOperationsPerRequest,
            graphql: graphql.subgraphOperationsPerRequest,
          },
          subgraphHttpRequestsPerRequest: {
            rest: rest.subgraphHttpRequestsPerRequest,
            graphql: graphql.subgraphHttpRequestsPerRequest,
          },
          segmentsPerSecond: { rest: rest.segmentsPerSecond, graphql: graphql.segmentsPerSecond },
          warmupErrors: { rest: rest.warmupErrors, graphql: graphql.warmupErrors },
          firstError: { rest: rest.firstError, graphql: graphql.firstError },
          ratio: pairRatio,
          meetsTarget: pairRatio.throughput >= REST_TARGET_RATIO,
          ...(alongside && {
            alongsideResult: {
              ...alongside.result,
              subgraphOperationsPerRequest: alongside.subgraphOperationsPerRequest,
              subgraphHttpRequestsPerRequest: alongside.subgraphHttpRequestsPerRequest,
              segmentsPerSecond: alongside.segmentsPerSecond,
              warmupErrors: alongside.warmupErrors,
              firstError: alongside.firstError,
            },
          }),
        })),
      },
      payCheck: {
        route: pay.pair.describe.rest,
        measurement:
          'the "pay check spread" pair (worker i pays check i, REST and its GraphQL mutation) and, interleaved with ' +
          'it after the same warm-up, REST with every worker paying one check (contended); every request a new payment',
        amountCentsPerRequest: PAY_AMOUNT,
        checkPriceCents: pay.pair.describe.checkPriceCents,
        ...pay.timing,
        ...Object.fromEntries(
          Object.entries({ ...payRuns, graphqlSpread: pay.graphql }).map(([variant, run]) => [
            variant,
            {
              workers: CONNECTIONS,
              checks: variant === 'contended' ? 1 : CONNECTIONS,
              requestsPerSecond: run.result.requestsPerSecond,
              p50Ms: run.result.p50Ms,
              p99Ms: run.result.p99Ms,
              failures: run.result.errors + run.warmupErrors,
            },
          ]),
        ),
        ratioRestGraphqlSpread: pay.ratio,
      },
      loyaltyEarn: {
        route: earn.pair.describe.rest,
        measurement:
          'the "earn spread" pair (worker i earns for customer i mod 3 of the standard org, REST and its GraphQL ' +
          'mutation, both with the X-Api-Key) and, interleaved with it after the same warm-up, REST with every worker ' +
          'earning for one customer (contended); every request a new external_id, so every one a new earn',
        amountPerRequest: EARN_AMOUNT,
        pointsPerEarn: earn.pair.describe.pointsPerEarn,
        ...earn.timing,
        ...Object.fromEntries(
          Object.entries({ spread: earn.rest, graphqlSpread: earn.graphql, contended: earn.alongside! }).map(
            ([variant, run]) => [
              variant,
              {
                workers: CONNECTIONS,
                customers: variant === 'contended' ? 1 : LOYALTY_CUSTOMERS.length,
                requestsPerSecond: run.result.requestsPerSecond,
                p50Ms: run.result.p50Ms,
                p99Ms: run.result.p99Ms,
                failures: run.result.errors + run.warmupErrors,
                ...earnPair.failures[run.result.target],
              },
            ],
          ),
        ),
        ratioRestGraphqlSpread: earn.ratio,
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Subscribers: payment events through the gateway to many graphql-transport-ws clients
// ---------------------------------------------------------------------------------------------------------------

/** What both parts of the bench get from main: the running system and the credentials. */
interface System {
  gatewayUrl: string;
  token: string;
  scopes: string[];
  urls: Record<string, string>;
  secrets: { INTERNAL_JWT_SECRET: string; KEY_ENCRYPTION_KEY: string };
  plan: DirectPlan;
  pids: { gateway: number; subgraphs: number[] };
  subgraphSpecs: ServiceSpec[];
  clients: Array<{ destroy(): Promise<unknown> }>;
}

/** The acceptance targets of the subscriber benchmark (stated for 10,000 subscribers). */
const SUB_P99_TARGET_MS = 250;
const SUB_RSS_TARGET_MB = 600;
/** Subscribers opening their connection at the same time while a level connects. */
const SUB_CONNECT_CONCURRENCY = 100;
/** Payments in flight at once at most: the stream is open-loop (one every 1/rate s) unless the system falls behind. */
const SUB_MAX_PAYMENTS_IN_FLIGHT = 8;
const SUB_OPERATION = 'BenchPaymentEvents';

/**
 * Optional payments-subgraph fields; selection g takes those of the bits of floor(g / 6), so that, with its
 * filters (g mod 6), every selection sends a different upstream operation or different upstream variables.
 */
const SUB_OPTIONAL_FIELDS = [
  'type',
  'sequence cursor',
  'location { id } partnerId',
  'paymentVersion payloadVersion',
  'payload { amount { amountMinor currency } status }',
  'payment { status amount { amountMinor } }',
];
/** The fields only the orders subgraph resolves: every 4th selection has them, so the gateway runs `rest`. */
const SUB_CROSS_FIELDS = 'payment { order { number status location { name } } }';
const SUB_LOCATIONS = ['1', '2'];
const SUB_EVENT_TYPE = 'PAYMENT_APPROVED';

interface Selection {
  index: number;
  document: string;
  variables: Record<string, string[]>;
  /** null: every location, every type. */
  locations: Set<string> | null;
  types: Set<string> | null;
  crossSubgraph: boolean;
}

/**
 * Selection g of a level (one per SUB_PER_SELECTION subscribers): locationIds null, [1] or [2] (g mod 3), types
 * null or [PAYMENT_APPROVED] (floor(g / 3) mod 2), a subset of SUB_OPTIONAL_FIELDS, and for g mod 4 = 3 the order
 * and its location from the orders subgraph. Every selection has the event id, occurredAt and the payment id.
 */
function subscriberSelection(g: number): Selection {
  const locations = [null, ['1'], ['2']][g % 3];
  const types = [null, [SUB_EVENT_TYPE]][Math.floor(g / 3) % 2];
  const bits = Math.floor(g / 6);
  if (bits >= 2 ** SUB_OPTIONAL_FIELDS.length) {
    throw new Error(`at most ${6 * 2 ** SUB_OPTIONAL_FIELDS.length} distinct selections; lower the subscriber count`);
  }
  const crossSubgraph = g % 4 === 3;
  const fields = [
    'id occurredAt payload { paymentId }',
    ...SUB_OPTIONAL_FIELDS.filter((_, bit) => bits & (1 << bit)),
    ...(crossSubgraph ? [SUB_CROSS_FIELDS] : []),
  ];
  return {
    index: g,
    document:
      `subscription ${SUB_OPERATION}($locationIds: [ID!], $types: [PaymentEventType!]) ` +
      `{ paymentEvents(locationIds: $locationIds, types: $types) { ${fields.join(' ')} } }`,
    variables: { ...(locations && { locationIds: locations }), ...(types && { types }) },
    locations: locations && new Set(locations),
    types: types && new Set(types),
    crossSubgraph,
  };
}

interface EventMessage {
  id?: string;
  occurredAt?: string;
  payload?: { paymentId?: string };
  payment?: { order?: { number?: string | null; location?: { name?: string } | null } | null };
}

/**
 * One subscriber: a WebSocket speaking graphql-transport-ws (connection_init, connection_ack, subscribe, then
 * next/error/complete), or an HTTP request speaking multipart or SSE, with its one subscription, and what it
 * received.
 */
interface Subscriber {
  selection: Selection;
  eventIds: string[];
  paymentIds: string[];
  /** Receipt (Date.now()) minus the event's occurredAt, ms, per delivery. */
  latencies: number[];
  /** Messages with errors, without the event, or (cross-subgraph selections) without the order. */
  errors: number;
  firstError: string | null;
  /** The subscription ended (complete, error or the socket closed) before the bench closed it. */
  ended: boolean;
  /** Set when the bench closes it: an end after that is expected. */
  closing: boolean;
  /** Closes the socket (normal closure) and resolves once it is closed. */
  close(): Promise<void>;
}

/** Counts every delivery of every subscriber, so a drain can wait for a total without scanning them all. */
const deliveries = { total: 0 };

interface ServerMessage {
  type: string;
  id?: string;
  payload?: { data?: { paymentEvents?: EventMessage } | null; errors?: unknown[] } | unknown[];
}

/**
 * A subscriber written directly on `ws`, speaking the graphql-transport-ws protocol as graphql-ws's client does:
 * connection_init with the token, connection_ack, one subscribe (id "1"), then every `next` parsed (JSON.parse of
 * the whole message) and checked. The subscribers are the load generator, in this process on the same two cores as
 * the gateway: graphql-ws's client (message validation, a sink chain, an id generator per subscribe, its own
 * keep-alive and retry machinery) cost about 22 us of CPU per delivery, about as much as the gateway itself;
 * without it the checks per delivery are the same.
 */
function openSubscriber(url: string, token: string, selection: Selection): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    let connected = false;
    const socket = new WebSocket(url, 'graphql-transport-ws');
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    const subscriber: Subscriber = {
      selection,
      eventIds: [],
      paymentIds: [],
      latencies: [],
      errors: 0,
      firstError: null,
      ended: false,
      closing: false,
      close: () => {
        if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
          socket.close(1000, 'Normal Closure');
        }
        return closed;
      },
    };
    const noteError = (what: string) => noteSubscriberError(subscriber, what);
    const end = (what: string | null) => {
      if (subscriber.closing || subscriber.ended) return;
      subscriber.ended = true;
      if (what) noteError(what);
      if (!connected) reject(new Error(`a subscriber could not connect: ${what ?? 'ended'}`));
    };
    socket.once('open', () => {
      socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } }));
    });
    socket.on('message', (data: Buffer) => {
      const receivedAt = Date.now();
      const text = data.toString();
      let message: ServerMessage;
      try {
        message = JSON.parse(text) as ServerMessage;
      } catch {
        noteError(`not JSON: ${text.slice(0, 300)}`);
        return;
      }
      switch (message.type) {
        case 'next': {
          if (message.id !== '1') {
            deliveries.total++;
            noteError(text.slice(0, 300));
            return;
          }
          received(subscriber, message.payload as EventResult | undefined, text, receivedAt);
          return;
        }
        case 'connection_ack':
          socket.send(
            JSON.stringify({
              id: '1',
              type: 'subscribe',
              payload: { query: selection.document, variables: selection.variables, operationName: SUB_OPERATION },
            }),
          );
          connected = true;
          resolve(subscriber);
          return;
        case 'ping':
          socket.send(JSON.stringify({ type: 'pong' }));
          return;
        case 'error':
          end(`subscription error: ${text.slice(0, 300)}`);
          return;
        case 'complete':
          end(null);
          return;
        default:
          noteError(`unexpected message: ${text.slice(0, 300)}`);
      }
    });
    socket.once('close', (code, reason) => end(`closed (${code} ${String(reason)})`));
    socket.once('error', (error) => end(String(error)));
  });
}

type EventResult = { data?: { paymentEvents?: EventMessage } | null; errors?: unknown[] };

function noteSubscriberError(subscriber: Subscriber, what: string): void {
  subscriber.errors++;
  subscriber.firstError ??= what;
}

/** One result a subscriber received (`text`: the message it came in, for errors), checked and recorded. */
function received(subscriber: Subscriber, result: EventResult | undefined, text: string, receivedAt: number): void {
  deliveries.total++;
  const event = result?.data?.paymentEvents;
  if (result?.errors?.length || !event?.id || !event.occurredAt || !event.payload?.paymentId) {
    noteSubscriberError(subscriber, text.slice(0, 300));
    return;
  }
  if (subscriber.selection.crossSubgraph && !event.payment?.order?.number) {
    noteSubscriberError(subscriber, `no order in ${text.slice(0, 300)}`);
  }
  subscriber.eventIds.push(event.id);
  subscriber.paymentIds.push(event.payload.paymentId);
  subscriber.latencies.push(receivedAt - Date.parse(event.occurredAt));
}

/**
 * A subscriber over HTTP, one connection each (no agent pooling): Apollo's multipart protocol (a part per result,
 * `{}` heartbeats, a final part with errors and the close delimiter) or GraphQL over SSE's distinct connections mode
 * (`event: next` / `event: complete`, comment keep-alives), both parsed by hand for the reason openSubscriber gives.
 */
function openHttpSubscriber(
  url: string,
  token: string,
  selection: Selection,
  transport: 'multipart' | 'sse',
): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    let connected = false;
    let closed: Promise<void> = Promise.resolve();
    let request: http.ClientRequest | null = null;
    const subscriber: Subscriber = {
      selection,
      eventIds: [],
      paymentIds: [],
      latencies: [],
      errors: 0,
      firstError: null,
      ended: false,
      closing: false,
      close: () => {
        request?.destroy();
        return closed;
      },
    };
    const end = (what: string | null) => {
      if (subscriber.closing || subscriber.ended) return;
      subscriber.ended = true;
      if (what) noteSubscriberError(subscriber, what);
      if (!connected) reject(new Error(`a subscriber could not connect: ${what ?? 'ended'}`));
    };
    const body = JSON.stringify({
      query: selection.document,
      variables: selection.variables,
      operationName: SUB_OPERATION,
    });
    request = http.request(url, {
      method: 'POST',
      agent: false,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept:
          transport === 'multipart' ? 'multipart/mixed;subscriptionSpec=1.0,application/json' : 'text/event-stream',
      },
    });
    closed = new Promise<void>((done) => request!.once('close', () => done()));
    request.once('error', (error) => end(String(error)));
    request.once('response', (res) => {
      res.setEncoding('utf8');
      if (res.statusCode !== 200) {
        let text = '';
        res.on('data', (chunk: string) => (text += chunk));
        res.once('end', () => end(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
        return;
      }
      connected = true;
      resolve(subscriber);
      let buffer = '';
      const separator = transport === 'multipart' ? '\r\n--graphql' : '\n\n';
      res.on('data', (chunk: string) => {
        const receivedAt = Date.now();
        buffer += chunk;
        for (let at = buffer.indexOf(separator); at >= 0; at = buffer.indexOf(separator)) {
          const message = buffer.slice(0, at);
          buffer = buffer.slice(at + separator.length);
          if (transport === 'multipart') {
            const bodyAt = message.indexOf('\r\n\r\n');
            if (bodyAt < 0) continue;
            const part = message.slice(bodyAt + 4);
            if (part === '{}') continue;
            let parsed: { payload?: EventResult | null; errors?: unknown[] };
            try {
              parsed = JSON.parse(part) as typeof parsed;
            } catch {
              noteSubscriberError(subscriber, `not JSON: ${part.slice(0, 300)}`);
              continue;
            }
            if (parsed.payload) received(subscriber, parsed.payload, part, receivedAt);
            else end(`transport error: ${part.slice(0, 300)}`);
            continue;
          }
          const lines = message.split('\n');
          const event = lines
            .find((line) => line.startsWith('event:'))
            ?.slice(6)
            .trim();
          const data = lines
            .find((line) => line.startsWith('data:'))
            ?.slice(5)
            .trim();
          if (event === 'complete') end(null);
          else if (event === 'next' && data) {
            try {
              received(subscriber, JSON.parse(data) as EventResult, data, receivedAt);
            } catch {
              noteSubscriberError(subscriber, `not JSON: ${data.slice(0, 300)}`);
            }
          }
        }
      });
      res.once('end', () => end('the response ended'));
    });
    request.end(body);
  });
}

/** Runs `task(0..count-1)` with at most `concurrency` running at once. */
async function inBatches(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      aborted.signal.throwIfAborted();
      await task(next++);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Polls until `check` holds or `ms` pass; says which. */
async function until(check: () => boolean | Promise<boolean>, ms: number, everyMs = 100): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (performance.now() > deadline || aborted.signal.aborted) return false;
    await sleep(everyMs);
  }
}

/** The sum of a metric's samples on a service's /metrics (0 when absent). */
async function metricValue(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://${HOST}:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** The soft limit on open files of this process (the services inherit it), or null when unknown. */
function openFilesLimit(): number | null {
  try {
    const line = fs
      .readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined ? null : soft === 'unlimited' ? Infinity : Number(soft);
  } catch {
    return null;
  }
}

interface StreamOrder {
  id: string;
  locationId: string;
  totalMinor: number;
}

interface StreamPayment {
  id: string;
  locationId: string;
  status: string;
}

const SUB_CREATE_ORDER =
  'mutation BenchStreamOrder($input: CreateOrderInput!) { createOrder(input: $input) { order { id } } }';
const SUB_CREATE_PAYMENT =
  'mutation BenchStreamPayment($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } } }';

/** Opens `count` orders (locations 1 and 2 in turn) for the stream to pay, one payment each, before the clock runs. */
async function streamOrders(pool: Pool, token: string, count: number): Promise<StreamOrder[]> {
  const orders: StreamOrder[] = new Array<StreamOrder>(count);
  await inBatches(count, 4, async (i) => {
    const locationId = SUB_LOCATIONS[i % SUB_LOCATIONS.length];
    const totalMinor = 1000 + (i % 50);
    const data = graphqlData(
      await call(
        pool,
        'POST',
        '/graphql',
        token,
        JSON.stringify({ query: SUB_CREATE_ORDER, variables: { input: { locationId, currency: 'USD', totalMinor } } }),
      ),
    );
    orders[i] = { id: (data.createOrder as { order: { id: string } }).order.id, locationId, totalMinor };
  });
  return orders;
}

/**
 * Pays `orders` at `rate` a second through the gateway's createPayment mutation, open-loop: payment i is sent at
 * start + i / rate whatever the answers of the others (SUB_MAX_PAYMENTS_IN_FLIGHT at most, so an overloaded
 * system slows the stream rather than piling requests up). Any failure is counted and fails the run.
 */
async function paymentStream(
  pool: Pool,
  token: string,
  orders: StreamOrder[],
  rate: number,
): Promise<{ payments: StreamPayment[]; failures: number; firstError: string | null; seconds: number }> {
  const payments: StreamPayment[] = [];
  let failures = 0;
  let firstError: string | null = null;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  let lastSent = started;
  for (const [i, order] of orders.entries()) {
    aborted.signal.throwIfAborted();
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    while (inFlight.size >= SUB_MAX_PAYMENTS_IN_FLIGHT) await Promise.race(inFlight);
    lastSent = performance.now();
    const body = JSON.stringify({
      query: SUB_CREATE_PAYMENT,
      variables: {
        input: { orderId: order.id, amountMinor: order.totalMinor, currency: 'USD', cardToken: 'tok_visa' },
      },
    });
    const pay = (async () => {
      try {
        const data = graphqlData(await call(pool, 'POST', '/graphql', token, body));
        const payment = (data.createPayment as { payment: { id: string; status: string } }).payment;
        if (payment.status !== 'APPROVED') throw new Error(`payment ${payment.id} is ${payment.status}`);
        payments.push({ id: payment.id, locationId: order.locationId, status: payment.status });
      } catch (error) {
        failures++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    })().finally(() => inFlight.delete(pay));
    inFlight.add(pay);
  }
  await Promise.all(inFlight);
  // The stream's length: from the first send to one interval after the last (n payments at `rate` take n / rate s).
  return { payments, failures, firstError, seconds: (lastSent - started) / 1000 + 1 / rate };
}

/** Whether a subscriber with this selection must receive the approval event of a payment at this location. */
const matches = (selection: Selection, locationId: string) =>
  (!selection.locations || selection.locations.has(locationId)) &&
  (!selection.types || selection.types.has(SUB_EVENT_TYPE));

interface SubscriberLevel {
  transport: SubTransport;
  subscribers: number;
  selections: number;
  crossSubgraphSelections: number;
  connectSeconds: number;
  /** CPU ms spent while the level connected: the gateway's, and this process's (the clients). */
  connectCpuMs: { gateway: number; client: number };
  paymentsPerSecond: number;
  payments: number;
  paymentFailures: number;
  firstPaymentError: string | null;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Per event, the latency of its last delivery: p50 and p99 over the events. */
  lastDeliveryP50Ms: number;
  lastDeliveryP99Ms: number;
  deliveries: { expected: number; delivered: number; missing: number; duplicates: number; unexpected: number };
  warmup: { payments: number; expected: number; missing: number };
  messageErrors: number;
  firstMessageError: string | null;
  subscriptionsEnded: number;
  gatewayRssMb: { before: number | null; peak: number | null; afterClose: number | null };
  /** The gateway's V8 heap (used and total) and external memory after the stream, all subscribers still open. */
  gatewayHeapMb: { used: number; total: number; external: number };
  upstreams: {
    gateway: number;
    paymentsSubgraph: number;
    gatewayClientSubscriptions: number;
    gatewayAfterClose: number;
  };
  cpuMs: CpuBreakdown;
  gatewayCpuUsPerDelivery: number;
  clientEventLoopDelayMs: { p50: number; p99: number; max: number };
  /** This process (the clients): its RSS at the end of the measured stream, and its GC pauses during it. */
  client: { rssMb: number; gcPauses: number; gcPauseMsTotal: number; gcPauseMsMax: number };
  failed: boolean;
}

/**
 * One level: `count` subscribers (a graphql-transport-ws WebSocket each, in this process; the gateway runs in
 * its own), one selection per SUB_PER_SELECTION of them; a warm-up stream, then the measured stream of payments,
 * then a drain until every expected delivery is in (or SUB_DRAIN_SECONDS pass). Latency is receipt minus the
 * event's occurredAt: both are this machine's clock, and occurredAt is taken in the payment's transaction just
 * before the outbox row is flushed and committed, so it is an upper bound of the time from commit to client.
 */
async function subscriberLevel(
  sys: System,
  pool: Pool,
  count: number,
  transport: SubTransport,
): Promise<SubscriberLevel> {
  const gatewayPort = Number(new URL(sys.gatewayUrl).port);
  const paymentsPort = sys.subgraphSpecs.find((s) => s.name === 'payments')!.port;
  const groups = Math.ceil(count / SUB_PER_SELECTION);
  const selections = Array.from({ length: groups }, (_, g) => subscriberSelection(g));
  const warmupCount = Math.max(SUB_LOCATIONS.length, Math.round(SUB_RATE * SUB_WARMUP_SECONDS));
  const measuredCount = Math.max(1, Math.round(SUB_RATE * SUB_SECONDS));
  const orders = await streamOrders(pool, sys.token, warmupCount + measuredCount);

  const rssBefore = rssMb(sys.pids.gateway);
  const stopRss = sampleRss(sys.pids.gateway);
  const subscribers: Subscriber[] = new Array<Subscriber>(count);
  const wsUrl = `${sys.gatewayUrl.replace(/^http/, 'ws')}/graphql`;
  const connectStarted = performance.now();
  try {
    const { cpu: connectCpu } = await withCpu(sys.pids, async () => {
      await inBatches(count, SUB_CONNECT_CONCURRENCY, async (i) => {
        const selection = selections[Math.floor(i / SUB_PER_SELECTION)];
        subscribers[i] =
          transport === 'graphql-ws'
            ? await openSubscriber(wsUrl, sys.token, selection)
            : await openHttpSubscriber(`${sys.gatewayUrl}/graphql`, sys.token, selection, transport);
      });
      // Every subscription open at the gateway and every upstream one registered by the payments subgraph. Polled
      // once a second: with thousands of sockets open a scrape of the gateway's /metrics costs it ~10 ms (the
      // default process metrics list every open file and handle).
      const live = await until(
        async () =>
          (await metricValue(gatewayPort, 'graphql_open_subscriptions')) === count &&
          (await metricValue(paymentsPort, 'graphql_open_subscriptions')) >= groups,
        30_000,
        1000,
      );
      if (!live) throw new Error(`the ${count} subscriptions were not all open after 30 s`);
    });
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    const upstreams = {
      gateway: await metricValue(gatewayPort, 'gateway_upstream_subscriptions'),
      paymentsSubgraph: await metricValue(paymentsPort, 'graphql_open_subscriptions'),
      gatewayClientSubscriptions: await metricValue(gatewayPort, 'graphql_open_subscriptions'),
      gatewayAfterClose: NaN,
    };
    // The payments subgraph counts a subscription when it arrives, a moment before its hub listens.
    await sleep(500);

    const expectedFor = (payments: StreamPayment[]) =>
      payments.reduce((n, p) => n + subscribers.filter((s) => matches(s.selection, p.locationId)).length, 0);
    const drain = (target: number) =>
      until(() => deliveries.total >= target, SUB_DRAIN_SECONDS * 1000, 50).then(() => sleep(250));

    const before = deliveries.total;
    const warm = await paymentStream(pool, sys.token, orders.slice(0, warmupCount), SUB_RATE);
    const warmExpected = expectedFor(warm.payments);
    await drain(before + warmExpected);

    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const gc = { pauses: 0, totalMs: 0, maxMs: 0 };
    const gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        gc.pauses++;
        gc.totalMs += entry.duration;
        gc.maxMs = Math.max(gc.maxMs, entry.duration);
      }
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    const measuredFrom = deliveries.total;
    const { result: stream, cpu } = await withCpu(sys.pids, async () => {
      const run = await paymentStream(pool, sys.token, orders.slice(warmupCount), SUB_RATE);
      await drain(measuredFrom + expectedFor(run.payments));
      return run;
    });
    loopDelay.disable();
    gcObserver.disconnect();
    const clientRssMb = process.memoryUsage.rss() / 2 ** 20;

    const mb = async (name: string) => (await metricValue(gatewayPort, name)) / 2 ** 20;
    const gatewayHeapMb = {
      used: await mb('nodejs_heap_size_used_bytes'),
      total: await mb('nodejs_heap_size_total_bytes'),
      external: await mb('nodejs_external_memory_bytes'),
    };

    // Tally: every subscriber must have every matching measured event once and nothing else of the run.
    const measured = new Map(stream.payments.map((p) => [p.id, p]));
    const warmIds = new Set(warm.payments.map((p) => p.id));
    const tally = { expected: 0, delivered: 0, missing: 0, duplicates: 0, unexpected: 0 };
    let warmMissing = 0;
    const latencies: number[] = [];
    const lastPerEvent = new Map<string, number>();
    for (const s of subscribers) {
      const seen = new Set<string>();
      const seenWarm = new Set<string>();
      for (const [k, eventId] of s.eventIds.entries()) {
        const payment = measured.get(s.paymentIds[k]);
        if (!payment) {
          if (warmIds.has(s.paymentIds[k])) seenWarm.add(s.paymentIds[k]);
          else tally.unexpected++;
          continue;
        }
        if (seen.has(eventId)) {
          tally.duplicates++;
          continue;
        }
        seen.add(eventId);
        if (!matches(s.selection, payment.locationId)) {
          tally.unexpected++;
          continue;
        }
        tally.delivered++;
        latencies.push(s.latencies[k]);
        lastPerEvent.set(eventId, Math.max(lastPerEvent.get(eventId) ?? -Infinity, s.latencies[k]));
      }
      const expected = stream.payments.filter((p) => matches(s.selection, p.locationId)).length;
      tally.expected += expected;
      warmMissing += warm.payments.filter((p) => matches(s.selection, p.locationId)).length - seenWarm.size;
    }
    tally.missing = tally.expected - tally.delivered;
    latencies.sort((a, b) => a - b);
    const last = [...lastPerEvent.values()].sort((a, b) => a - b);

    // Close every subscriber: the gateway must let go of every upstream stream.
    for (const s of subscribers) s.closing = true;
    await Promise.all(subscribers.map((s) => s.close()));
    await until(async () => (await metricValue(gatewayPort, 'gateway_upstream_subscriptions')) === 0, 10_000, 500);
    upstreams.gatewayAfterClose = await metricValue(gatewayPort, 'gateway_upstream_subscriptions');
    const rss = stopRss();

    const messageErrors = subscribers.reduce((n, s) => n + s.errors, 0);
    const ended = subscribers.filter((s) => s.ended).length;
    const delivered = tally.delivered + tally.duplicates + tally.unexpected;
    const ms = (ns: number) => ns / 1e6;
    const level: SubscriberLevel = {
      transport,
      subscribers: count,
      selections: groups,
      crossSubgraphSelections: selections.filter((s) => s.crossSubgraph).length,
      connectSeconds,
      connectCpuMs: { gateway: connectCpu.gateway, client: connectCpu.client },
      paymentsPerSecond: stream.payments.length / stream.seconds,
      payments: stream.payments.length,
      paymentFailures: stream.failures + warm.failures,
      firstPaymentError: stream.firstError ?? warm.firstError,
      seconds: stream.seconds,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      maxMs: latencies.length ? latencies[latencies.length - 1] : NaN,
      lastDeliveryP50Ms: percentile(last, 0.5),
      lastDeliveryP99Ms: percentile(last, 0.99),
      deliveries: tally,
      warmup: { payments: warm.payments.length, expected: warmExpected, missing: warmMissing },
      messageErrors,
      firstMessageError: subscribers.find((s) => s.firstError)?.firstError ?? null,
      subscriptionsEnded: ended,
      gatewayRssMb: { before: rssBefore, peak: rss.peakMb, afterClose: rss.lastMb },
      gatewayHeapMb,
      upstreams,
      cpuMs: cpu,
      gatewayCpuUsPerDelivery: delivered ? (1000 * cpu.gateway) / delivered : NaN,
      clientEventLoopDelayMs: {
        p50: ms(loopDelay.percentile(50)),
        p99: ms(loopDelay.percentile(99)),
        max: ms(loopDelay.max),
      },
      client: { rssMb: clientRssMb, gcPauses: gc.pauses, gcPauseMsTotal: gc.totalMs, gcPauseMsMax: gc.maxMs },
      failed: false,
    };
    level.failed =
      tally.missing > 0 ||
      tally.duplicates > 0 ||
      tally.unexpected > 0 ||
      warmMissing > 0 ||
      messageErrors > 0 ||
      ended > 0 ||
      level.paymentFailures > 0 ||
      upstreams.gateway !== groups ||
      upstreams.gatewayAfterClose !== 0;
    return level;
  } finally {
    stopRss();
    const open = subscribers.filter((s) => s && !s.closing);
    for (const s of open) s.closing = true;
    await Promise.all(open.map((s) => s.close().catch(() => undefined)));
  }
}

const SUB_CLIENT_KIND: Record<SubTransport, string> = {
  'graphql-ws': 'graphql-transport-ws',
  multipart: 'multipart HTTP',
  sse: 'GraphQL over SSE (distinct connections)',
};

const SUB_SETTINGS = {
  levels: SUB_LEVELS,
  httpLevels: SUB_HTTP_LEVELS,
  transports: SUB_TRANSPORTS,
  perSelection: SUB_PER_SELECTION,
  paymentsPerSecond: SUB_RATE,
  seconds: SUB_SECONDS,
  warmupSeconds: SUB_WARMUP_SECONDS,
  drainSeconds: SUB_DRAIN_SECONDS,
};

/**
 * The subscriber part: SUB_LEVELS in turn (1,000 then 10,000 by default) on the same gateway, each connected,
 * measured and closed before the next.
 */
async function subscriberBench(sys: System): Promise<{ report: Record<string, unknown>; failed: boolean }> {
  const pool = new Pool(sys.gatewayUrl, { connections: SUB_MAX_PAYMENTS_IN_FLIGHT, keepAliveTimeout: 60_000 });
  sys.clients.push(pool);
  const limit = openFilesLimit();
  const levels: Array<SubscriberLevel | { transport: SubTransport; subscribers: number; skipped: string }> = [];
  const runs = SUB_LEVELS.flatMap((count) =>
    SUB_TRANSPORTS.filter((transport) => transport === 'graphql-ws' || SUB_HTTP_LEVELS.includes(count)).map(
      (transport) => ({ count, transport }),
    ),
  );
  for (const { count, transport } of runs) {
    // This process holds a socket per subscriber and so does the gateway (which inherits this limit).
    if (limit !== null && limit < count + 1024) {
      const skipped = `the open-files limit (ulimit -n) is ${limit}; ${count} subscribers need about ${count + 1024}`;
      console.log(`\nsubscribers ${count} (${transport}): SKIPPED, ${skipped}`);
      levels.push({ transport, subscribers: count, skipped });
      continue;
    }
    const groups = Math.ceil(count / SUB_PER_SELECTION);
    console.log(
      `\nsubscribers: ${count} ${SUB_CLIENT_KIND[transport]} clients, ${groups} distinct selections, payments at ` +
        `${SUB_RATE}/s: ` +
        `${SUB_WARMUP_SECONDS} s warm-up, then ${SUB_SECONDS} s measured...`,
    );
    const level = await subscriberLevel(sys, pool, count, transport);
    aborted.signal.throwIfAborted();
    levels.push(level);
    const f = (n: number | null, digits = 1) => (n === null || Number.isNaN(n) ? '-' : n.toFixed(digits));
    console.log(
      `  connected in ${f(level.connectSeconds)} s (gateway CPU ${f(level.connectCpuMs.gateway, 0)} ms, clients ` +
        `${f(level.connectCpuMs.client, 0)} ms); ${level.payments} payments at ${f(level.paymentsPerSecond, 2)}/s ` +
        `over ${f(level.seconds)} s; latency p50 ${f(level.p50Ms)} ms, p99 ${f(level.p99Ms)} ms, max ${f(level.maxMs)} ms; ` +
        `per event, last delivery p50 ${f(level.lastDeliveryP50Ms)} ms, p99 ${f(level.lastDeliveryP99Ms)} ms`,
    );
    console.log(
      `  gateway CPU ${f(level.cpuMs.gateway, 0)} ms (${f(level.gatewayCpuUsPerDelivery, 1)} us per delivery), ` +
        `subgraphs ${f(level.cpuMs.subgraphs, 0)} ms, PostgreSQL ${f(level.cpuMs.postgres, 0)} ms, clients (this ` +
        `process) ${f(level.cpuMs.client, 0)} ms, box busy ${f(level.cpuMs.machineBusyPercent, 0)} % (others ${f(level.cpuMs.othersPercent, 0)} %); client event ` +
        `loop delay p99 ${f(level.clientEventLoopDelayMs.p99)} ms, max ${f(level.clientEventLoopDelayMs.max)} ms; ` +
        `client RSS ${f(level.client.rssMb, 0)} MB, GC ${level.client.gcPauses} pauses, ${f(level.client.gcPauseMsTotal, 0)} ms, ` +
        `longest ${f(level.client.gcPauseMsMax)} ms`,
    );
    if (level.messageErrors || level.subscriptionsEnded || level.paymentFailures) {
      console.log(
        `  errors: ${level.messageErrors} messages (first: ${level.firstMessageError ?? '-'}), ` +
          `${level.subscriptionsEnded} subscriptions ended early, ${level.paymentFailures} payments failed ` +
          `(first: ${level.firstPaymentError ?? '-'})`,
      );
    }
  }

  // One line per figure, as for the other parts.
  console.log('');
  for (const level of levels) {
    if ('skipped' in level) {
      console.log(`bench: subscribers ${level.subscribers} ${level.transport} SKIPPED (${level.skipped})`);
      continue;
    }
    const tag = `bench: subscribers ${level.subscribers} ${level.transport} (${level.selections} selections, ${level.paymentsPerSecond.toFixed(1)} payments/s)`;
    const over = (value: number | null, target: number) => (value === null || !(value < target) ? ' OVER TARGET' : '');
    console.log(
      `${tag} delivery latency p50 ${level.p50Ms.toFixed(1)} ms, p99 ${level.p99Ms.toFixed(1)} ms ` +
        `(target p99 < ${SUB_P99_TARGET_MS})${over(level.p99Ms, SUB_P99_TARGET_MS)}`,
    );
    console.log(
      `${tag} gateway RSS peak ${level.gatewayRssMb.peak?.toFixed(0) ?? '-'} MB (before ` +
        `${level.gatewayRssMb.before?.toFixed(0) ?? '-'} MB; V8 heap ${level.gatewayHeapMb.used.toFixed(0)} MB used ` +
        `of ${level.gatewayHeapMb.total.toFixed(0)}, external ${level.gatewayHeapMb.external.toFixed(0)} MB; ` +
        `target < ${SUB_RSS_TARGET_MB})` +
        over(level.gatewayRssMb.peak, SUB_RSS_TARGET_MB),
    );
    const upstreamsOk = level.upstreams.gateway === level.selections && level.upstreams.gatewayAfterClose === 0;
    console.log(
      `${tag} upstream streams ${level.upstreams.gateway} (target ${level.selections}; payments subgraph holds ` +
        `${level.upstreams.paymentsSubgraph}; ${level.upstreams.gatewayAfterClose} after all closed)` +
        (upstreamsOk ? '' : ' FAILED'),
    );
    const d = level.deliveries;
    const wrong = d.missing + d.duplicates + d.unexpected + level.warmup.missing + level.messageErrors;
    console.log(
      `${tag} deliveries ${d.delivered} of ${d.expected}: ${d.missing} missing, ${d.duplicates} duplicates, ` +
        `${d.unexpected} unexpected, ${level.messageErrors} errors (target 0)${wrong ? ' FAILED' : ''}`,
    );
  }
  return {
    failed: levels.some((level) => 'failed' in level && level.failed),
    report: {
      measurement:
        'each level: N graphql-transport-ws clients (raw ws, one WebSocket each; at BENCH_SUB_HTTP_LEVELS also N ' +
        'multipart HTTP and N SSE clients, one HTTP connection each) in the bench process subscribe to paymentEvents ' +
        `through the gateway (its own process), one selection per ${SUB_PER_SELECTION} subscribers (filters and ` +
        'fields vary; every 4th selection also reads the order and its location from the orders subgraph); a ' +
        'warm-up stream, then createPayment through the gateway at a steady rate (open-loop) over pre-made orders at ' +
        'locations 1 and 2; latency = receipt (Date.now()) - the event occurredAt (taken in the payment transaction ' +
        'before commit, so an upper bound of commit-to-client), over every (event, subscriber) delivery; gateway RSS ' +
        'from /proc/<pid>/status VmRSS sampled every 100 ms; upstream streams from the gateway /metrics ' +
        '(gateway_upstream_subscriptions) and the payments subgraph graphql_open_subscriptions',
      targets: { p99Ms: SUB_P99_TARGET_MS, rssMb: SUB_RSS_TARGET_MB },
      openFilesLimit: limit,
      // Every distinct selection of the largest level (the smaller levels use the first of them).
      selections: Array.from({ length: Math.ceil(Math.max(...SUB_LEVELS) / SUB_PER_SELECTION) }, (_, g) => {
        const s = subscriberSelection(g);
        return { document: s.document, variables: s.variables };
      }),
      levels,
    },
  };
}

async function main() {
  const started = Date.now();
  const children: ChildProcess[] = [];
  const clients: System['clients'] = [];
  let pg: EmbeddedPg | null = null;
  let stopping = false;

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    aborted.abort();
    await stopAll(children);
    await pg?.stop();
    await Promise.all(clients.map((c) => c.destroy().catch(() => undefined)));
    if (code !== 0) console.log('Stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => {
    console.log('\nInterrupted; stopping...');
    void stop(130);
  });
  process.on('SIGTERM', () => void stop(143));

  try {
    const supergraphSdl = fs.readFileSync(
      path.resolve(ROOT, process.env.SUPERGRAPH_PATH ?? 'schema/supergraph.graphql'),
      'utf8',
    );
    const plan = gatewayPlan(supergraphSdl);

    pg = await startEmbeddedPostgres();
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
    const onExit = (message: string) => {
      if (stopping) return;
      console.error(`${message} unexpectedly; stopping everything.`);
      void stop(1);
    };
    await startServices(specs, env, children, onExit, 90_000);
    console.log(`Ready after ${((Date.now() - started) / 1000).toFixed(1)} s.`);

    const { token, scopes } = await getToken(gatewayUrl);
    // startServices forks in the order of specs.
    const pidOf = (name: string) => children[specs.findIndex((s) => s.name === name)].pid!;
    const pids = {
      gateway: pidOf('gateway'),
      subgraphs: specs.filter((s) => s.name !== 'gateway').map((s) => pidOf(s.name)),
    };
    const subgraphSpecs = specs.filter((s) => s.name !== 'gateway');
    const sys: System = { gatewayUrl, token, scopes, urls, secrets, plan, pids, subgraphSpecs, clients };

    const outDir = path.join(ROOT, '.bench');
    fs.mkdirSync(outDir, { recursive: true });
    const report: Record<string, unknown> = {
      date: new Date().toISOString(),
      machine: {
        node: process.version,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? null,
        platform: process.platform,
      },
      parts: [...PARTS],
      settings: {
        seconds: SECONDS,
        warmupSeconds: WARMUP_SECONDS,
        checkReadSeconds: CHECK_SECONDS,
        checkReadWarmupSeconds: CHECK_WARMUP_SECONDS,
        limits: BENCH_LIMITS,
        paySeconds: PAY_SECONDS,
        payWarmupSeconds: PAY_WARMUP_SECONDS,
        loyaltySeconds: LOYALTY_SECONDS,
        loyaltyWarmupSeconds: LOYALTY_WARMUP_SECONDS,
        connections: CONNECTIONS,
        ordersCreated: ORDERS,
        subscribers: SUB_SETTINGS,
      },
    };
    let failed = false;
    if (PARTS.has('queries')) {
      const queries = await queryBench(sys);
      Object.assign(report, queries.report);
      failed ||= queries.failed;
    }
    const peerSys: PeerSystem = {
      gatewayUrl,
      token,
      scopes,
      urls,
      internalSecret: secrets.INTERNAL_JWT_SECRET,
      databaseUrl: pg.url('pos'),
      supergraphSdl,
      env,
      pids,
      children,
      clients,
      onExit,
      subgraphCounts: () => subgraphCounts(subgraphSpecs),
    };
    if (PARTS.has('peer')) {
      const peer = await peerBench(peerSys, { smoke: SMOKE });
      report.peer = peer.report;
      failed ||= peer.failed;
    }
    if (PARTS.has('writes')) {
      const writePool = new Pool(gatewayUrl, { connections: CONNECTIONS, keepAliveTimeout: 60_000 });
      clients.push(writePool);
      const writes = await writeBench(peerSys, writePool, { smoke: SMOKE });
      report.writes = writes.report;
      failed ||= writes.failed;
    }
    if (PARTS.has('subscribers')) {
      const subscribers = await subscriberBench(sys);
      report.subscribers = subscribers.report;
      failed ||= subscribers.failed;
    }
    fs.writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`Written to .bench/latest.json (total ${((Date.now() - started) / 1000).toFixed(1)} s).`);
    await stop(failed ? 1 : 0);
  } catch (error) {
    if (!aborted.signal.aborted)
      console.error(`Bench failed: ${error instanceof Error ? error.message : String(error)}`);
    await stop(1);
  }
}

void main();
