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
 * Prints req/s, p50 and p99 for both, their ratio, and the CPU each process spent per request; writes the same
 * to .bench/latest.json. Environment: BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (3), BENCH_CONNECTIONS (10),
 * BENCH_ORDERS (10 orders created, each with one payment).
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type EmbeddedPg, INTERNAL_CONTEXT_HEADER, signInternalContext, startEmbeddedPostgres } from '@pos/kit';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { ROOT, type ServiceSpec, freePortBlock, services, startServices, stopAll } from './launcher';

const SECONDS = positiveNumber('BENCH_SECONDS', 10);
const WARMUP_SECONDS = positiveNumber('BENCH_WARMUP_SECONDS', 3);
const CONNECTIONS = Math.round(positiveNumber('BENCH_CONNECTIONS', 10));
const ORDERS = Math.round(positiveNumber('BENCH_ORDERS', 10));
const HOST = '127.0.0.1';

/** Aborted on Ctrl-C, SIGTERM or a failure, so the load loops end before the processes are stopped. */
const aborted = new AbortController();

const QUERY =
  'query Bench { locations { id name orders { id totalCents payments { id amountCents } } openChecks { posRef total } } }';
const OPERATION_NAME = 'Bench';

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// The gateway's query plan
// ---------------------------------------------------------------------------------------------------------------

interface PlanNode {
  kind: string;
  nodes?: PlanNode[];
  node?: PlanNode;
  path?: Array<string | number>;
  serviceName?: string;
  operation?: string;
  operationName?: string;
}

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
    query: 'query Bench__orders__0{locations{__typename id name orders{__typename id totalCents}}}',
  },
  checks: {
    operationName: 'Bench__checks__1',
    query:
      'query Bench__checks__1($representations:[_Any!]!){_entities(representations:$representations){...on Location{openChecks{posRef total}}}}',
  },
  payments: {
    operationName: 'Bench__payments__2',
    query:
      'query Bench__payments__2($representations:[_Any!]!){_entities(representations:$representations){...on Order{payments{id amountCents}}}}',
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
  const expected = ['checks@locations.@', 'orders@(root)', 'payments@locations.@.orders.@'];
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
  locations: Array<{
    __typename: string;
    id: string;
    name: string;
    orders: Array<{ __typename: string; id: string; totalCents: number }>;
  }>;
}
interface ChecksData {
  _entities: Array<{ openChecks: Array<{ posRef: string; total: number }> } | null>;
}
interface PaymentsData {
  _entities: Array<{ payments: Array<{ id: string; amountCents: number }> } | null>;
}

/** The result of QUERY, as the gateway returns it. */
interface BenchData {
  locations: Array<{
    id: string;
    name: string;
    orders: Array<{ id: string; totalCents: number; payments: Array<{ id: string; amountCents: number }> }>;
    openChecks: Array<{ posRef: string; total: number }>;
  }>;
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
    const locationReps = root.locations.map((l) => ({ __typename: l.__typename, id: l.id }));
    const orderReps = root.locations.flatMap((l) => l.orders.map((o) => ({ __typename: o.__typename, id: o.id })));
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
      locations: root.locations.map((location, i) => ({
        id: location.id,
        name: location.name,
        orders: location.orders.map((order) => ({
          id: order.id,
          totalCents: order.totalCents,
          payments: paid._entities[orderIndex++]?.payments ?? [],
        })),
        openChecks: checked._entities[i]?.openChecks ?? [],
      })),
    };
  }

  async destroy(): Promise<void> {
    await Promise.all(Object.values(this.pools).map((pool) => pool.destroy().catch(() => undefined)));
  }
}

interface LoadResult {
  requests: number;
  seconds: number;
  latenciesMs: { p50: number; p99: number };
  errors: number;
}

/**
 * `connections` workers, each sending the next request when the previous one is done, for `seconds`. As with
 * autocannon, only requests completed inside the window count (requests still in flight at the end are drained).
 */
async function closedLoop(
  connections: number,
  seconds: number,
  request: () => Promise<unknown>,
  onError: (error: unknown) => void,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end && !aborted.signal.aborted) {
      const t0 = performance.now();
      try {
        await request();
        const t1 = performance.now();
        if (t1 <= end) latencies.push(t1 - t0);
      } catch (error) {
        if (performance.now() <= end) errors++;
        onError(error);
        // A request that fails at once must not turn this loop into a microtask spin that starves the event loop.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] : NaN;
  return { requests: latencies.length, seconds, latenciesMs: { p50: at(0.5), p99: at(0.99) }, errors };
}

// ---------------------------------------------------------------------------------------------------------------
// CPU accounting from /proc
// ---------------------------------------------------------------------------------------------------------------

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime+stime (ms) and parent pid of a process, or null when it is gone (or there is no /proc). */
function procStat(pid: number): { cpuMs: number; ppid: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 of proc(5) (state): ppid is field 4, utime 14, stime 15.
    return { ppid: Number(fields[1]), cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

/** CPU ms of every descendant of this process (the services and PostgreSQL with its backends). */
function descendantsCpu(): Map<number, number> {
  const parents = new Map<number, number>();
  const cpu = new Map<number, number>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return cpu;
  }
  for (const entry of entries) {
    const stat = procStat(Number(entry));
    if (stat) {
      parents.set(Number(entry), stat.ppid);
      cpu.set(Number(entry), stat.cpuMs);
    }
  }
  const mine = new Map<number, number>();
  for (const [pid, ms] of cpu) {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) {
      if (p === process.pid) {
        mine.set(pid, ms);
        break;
      }
    }
  }
  return mine;
}

/** Busy and total CPU ms of the whole machine (all cores), from /proc/stat. */
function machineCpu(): { busyMs: number; totalMs: number } | null {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = fields[3] + fields[4];
    return { busyMs: ((total - idle) * 1000) / TICKS_PER_SECOND, totalMs: (total * 1000) / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

interface CpuBreakdown {
  gateway: number;
  subgraphs: number;
  postgres: number;
  client: number;
  /** Share of the machine's CPU that was busy during the run, and the share used by processes not ours. */
  machineBusyPercent: number | null;
  othersPercent: number | null;
}

/** Measures the CPU ms each part of the system spent while `run` ran. */
async function withCpu<T>(pids: { gateway: number; subgraphs: number[] }, run: () => Promise<T>) {
  const before = descendantsCpu();
  const machineBefore = machineCpu();
  const clientBefore = process.cpuUsage();
  const result = await run();
  const client = process.cpuUsage(clientBefore);
  const machineAfter = machineCpu();
  const after = descendantsCpu();
  const delta = (pid: number) => (after.get(pid) ?? before.get(pid) ?? 0) - (before.get(pid) ?? 0);
  const cpu: CpuBreakdown = {
    gateway: delta(pids.gateway),
    subgraphs: pids.subgraphs.reduce((sum, pid) => sum + delta(pid), 0),
    postgres: 0,
    client: (client.user + client.system) / 1000,
    machineBusyPercent: null,
    othersPercent: null,
  };
  for (const pid of after.keys()) {
    if (pid !== pids.gateway && !pids.subgraphs.includes(pid)) cpu.postgres += delta(pid);
  }
  if (machineBefore && machineAfter && machineAfter.totalMs > machineBefore.totalMs) {
    const total = machineAfter.totalMs - machineBefore.totalMs;
    const busy = machineAfter.busyMs - machineBefore.busyMs;
    const ours = cpu.gateway + cpu.subgraphs + cpu.postgres + cpu.client;
    cpu.machineBusyPercent = (100 * busy) / total;
    cpu.othersPercent = Math.max(0, (100 * (busy - ours)) / total);
  }
  return { result, cpu };
}

// ---------------------------------------------------------------------------------------------------------------
// The system under test
// ---------------------------------------------------------------------------------------------------------------

/** GraphQL operations each subgraph has served so far (`graphql_requests_total` on its /metrics). */
async function subgraphOperations(subgraphs: ServiceSpec[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  await Promise.all(
    subgraphs.map(async (spec) => {
      const text = await (await fetch(`http://${HOST}:${spec.port}/metrics`)).text();
      counts[spec.name] = text
        .split('\n')
        .filter((line) => line.startsWith('graphql_requests_total{'))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    }),
  );
  return counts;
}

/** Runs `run`, and returns with its result the subgraph operations it caused per completed request. */
async function withSubgraphCounts<T extends { result: LoadResult }>(subgraphs: ServiceSpec[], run: () => Promise<T>) {
  const before = await subgraphOperations(subgraphs);
  const measured = await run();
  const after = await subgraphOperations(subgraphs);
  const perRequest = Object.fromEntries(
    subgraphs.map((s) => [s.name, (after[s.name] - before[s.name]) / Math.max(1, measured.result.requests)]),
  );
  return { ...measured, subgraphOperationsPerRequest: perRequest };
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
      { input: { locationId: '1', currency: 'USD', totalCents: 1000 + 125 * i } },
    );
    await gatewayGraphql(
      gatewayUrl,
      token,
      'mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id } } }',
      { input: { orderId: createOrder.order.id, amountCents: 1000 + 125 * i, currency: 'USD', cardToken: 'tok_visa' } },
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

interface TargetResult {
  target: 'gateway' | 'direct';
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  cpuMsPerRequest: { gateway: number | null; subgraphs: number; postgres: number; client: number };
  machineBusyPercent: number | null;
  othersPercent: number | null;
}

function summarise(target: TargetResult['target'], load: LoadResult, cpu: CpuBreakdown): TargetResult {
  const per = (ms: number) => (load.requests ? ms / load.requests : NaN);
  return {
    target,
    requests: load.requests,
    seconds: load.seconds,
    requestsPerSecond: load.requests / load.seconds,
    p50Ms: load.latenciesMs.p50,
    p99Ms: load.latenciesMs.p99,
    errors: load.errors,
    cpuMsPerRequest: {
      gateway: target === 'gateway' ? per(cpu.gateway) : null,
      subgraphs: per(cpu.subgraphs),
      postgres: per(cpu.postgres),
      client: per(cpu.client),
    },
    machineBusyPercent: cpu.machineBusyPercent,
    othersPercent: cpu.othersPercent,
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

async function main() {
  const started = Date.now();
  const children: ChildProcess[] = [];
  const clients: DirectClient[] = [];
  let pg: EmbeddedPg | null = null;
  let stopping = false;

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    aborted.abort();
    await stopAll(children);
    await pg?.stop();
    await Promise.all(clients.map((c) => c.destroy()));
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
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'true',
      MIGRATE_ON_START: 'true',
    };
    console.log(`PostgreSQL on ${HOST}:${pg.port}; starting the services on ${HOST}:${base}-${base + 4}...`);
    await startServices(
      specs,
      env,
      children,
      (message) => {
        if (stopping) return;
        console.error(`${message} unexpectedly; stopping everything.`);
        void stop(1);
      },
      90_000,
    );
    console.log(`Ready after ${((Date.now() - started) / 1000).toFixed(1)} s.`);

    const { token, scopes } = await getToken(gatewayUrl);
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
    const orderCount = viaGateway.locations.reduce((n, l) => n + l.orders.length, 0);
    const paymentCount = viaGateway.locations.reduce(
      (n, l) => n + l.orders.reduce((m, o) => m + o.payments.length, 0),
      0,
    );
    const checkCount = viaGateway.locations.reduce((n, l) => n + l.openChecks.length, 0);
    if (!paymentCount || !checkCount)
      throw new Error(`the query returned too little data: ${JSON.stringify(viaGateway)}`);
    if (canonical(viaGateway) !== canonical(viaDirect)) {
      throw new Error('the direct client and the gateway returned different data');
    }
    const responseBytes = Buffer.byteLength(JSON.stringify({ data: viaGateway }));
    console.log(
      `Query: ${viaGateway.locations.length} locations, ${orderCount} orders, ${paymentCount} payments, ` +
        `${checkCount} open checks (${responseBytes} bytes); direct plan from the ${plan.source}` +
        `${plan.parallel ? ' (entity fetches in parallel)' : ''}.`,
    );

    // startServices forks in the order of specs.
    const pidOf = (name: string) => children[specs.findIndex((s) => s.name === name)].pid!;
    const pids = {
      gateway: pidOf('gateway'),
      subgraphs: specs.filter((s) => s.name !== 'gateway').map((s) => pidOf(s.name)),
    };
    let firstDirectError: unknown = null;
    const noteError = (error: unknown) => {
      firstDirectError ??= error;
    };

    console.log(`gateway: ${WARMUP_SECONDS} s warm-up, then ${SECONDS} s measured, ${CONNECTIONS} connections...`);
    await runAutocannon(gatewayUrl, token, WARMUP_SECONDS);
    const subgraphSpecs = specs.filter((s) => s.name !== 'gateway');
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
      summarise('gateway', gatewayRun.result, gatewayRun.cpu),
      summarise('direct', directRun.result, directRun.cpu),
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

    const outDir = path.join(ROOT, '.bench');
    fs.mkdirSync(outDir, { recursive: true });
    const report = {
      date: new Date().toISOString(),
      machine: {
        node: process.version,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? null,
        platform: process.platform,
      },
      settings: { seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, connections: CONNECTIONS, ordersCreated: ORDERS },
      query: QUERY,
      data: {
        locations: viaGateway.locations.length,
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
      ratio,
    };
    fs.writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`Written to .bench/latest.json (total ${((Date.now() - started) / 1000).toFixed(1)} s).`);
    await stop(rows.some((r) => r.errors > 0) ? 1 : 0);
  } catch (error) {
    if (!aborted.signal.aborted)
      console.error(`Bench failed: ${error instanceof Error ? error.message : String(error)}`);
    await stop(1);
  }
}

void main();
