/**
 * The "peer" part of `pnpm bench`: our gateway side by side with @graphql-hive/gateway on the same committed
 * supergraph and the same running subgraphs, in the same run, and the wide read against the same subgraph requests
 * sent directly (the gateway's overhead).
 *
 * - Peers: `hive-gateway supergraph <file>` (its CLI, one process each, default options) twice: as it comes, which
 *   shares identical subgraph requests in flight ("hive"), and with that off (`deduplicateInflightRequests: false`,
 *   "hive no-coalescing"). The file is schema/supergraph.graphql with the join__graph URLs pointed at the bench's
 *   subgraphs. The subgraphs only answer a request with a signed x-pos-context, so each peer sends a static one (the
 *   demo partner's, signed here with the bench's INTERNAL_JWT_SECRET) with every subgraph request. Our gateway gets
 *   the demo partner's Bearer token and does what it always does: verifies it (a cached verification: a SHA-256 and
 *   map lookups) and signs the context (cached too). The peers check nothing.
 * - Operations: a small read (one order and its payments: orders, then payments), a wide read (a location's 10
 *   orders with their checks and the checks' location, payments and loyalty transactions: 50 entities from all four
 *   subgraphs, orders again last for the location's name) and a mutation (createOrder, then the new order's
 *   payments, checks and loyalty transactions). Each "identical" (every request the same: a dashboard's pattern) and
 *   "varied" (the small read over 40 orders, the wide read over 4 locations x 8 selections, the mutation with its own
 *   total and reference each time).
 * - Every read is checked byte for byte against the answer its target gave before the run (and those against each
 *   other, field for field); every mutation must answer a new order.
 * - Sides take turns: warm-up in ~1 s slices A B C A B C ..., then blocks A B C C B A of short segments; CPU per
 *   process from /proc over the measured segments, and the share of the machine used by other processes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { INTERNAL_CONTEXT_HEADER, type Principal, signInternalContext } from '@pos/kit';
import pg from 'pg';
import { Pool } from 'undici';
import {
  type MeasuredSide,
  type PlanNode,
  type SubgraphCounts,
  type TargetResult,
  positiveNumber,
  rssMb,
  runSides as measureSides,
  summarise,
} from './bench-common';
import { MALLOC_ENV, ROOT, stopAll, waitUntilReady } from './launcher';

const HOST = '127.0.0.1';
const CONNECTIONS = Math.round(positiveNumber('BENCH_CONNECTIONS', 10));
const PEER_SECONDS = positiveNumber('BENCH_PEER_SECONDS', 6);
const PEER_WARMUP_SECONDS = positiveNumber('BENCH_PEER_WARMUP_SECONDS', 3);
/** ours/peer throughput on every read, at a lower p99. */
export const PEER_TARGET_RATIO = 1.5;
/** gateway/direct throughput of the wide read. */
export const OVERHEAD_TARGET_RATIO = 0.8;

const PEER_LOCATIONS = 4;
const ORDERS_PER_LOCATION = 10;
const WIDE_SELECTIONS = 8;
const LOYALTY_KEY = 'demo-loyalty-standard';
const LOYALTY_CUSTOMERS = ['482193', '482194', '482195'];
/** The mutation opens its orders at demo location 2, away from the reads' locations. */
const MUTATION_LOCATION = '2';

export interface PeerSystem {
  gatewayUrl: string;
  token: string;
  scopes: string[];
  urls: Record<string, string>;
  internalSecret: string;
  databaseUrl: string;
  supergraphSdl: string;
  env: NodeJS.ProcessEnv;
  pids: { gateway: number; subgraphs: number[] };
  children: ChildProcess[];
  clients: Array<{ destroy(): Promise<unknown> }>;
  onExit: (message: string) => void;
  /** What each subgraph has served so far (operations and HTTP requests), from its /metrics. */
  subgraphCounts(): Promise<Record<string, SubgraphCounts>>;
}

interface GraphQLResponse<T> {
  data?: T;
  errors?: unknown[];
}

/** JSON with object keys sorted, to compare two results regardless of key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The peer gateways
// ---------------------------------------------------------------------------------------------------------------

interface Peer {
  name: string;
  url: string;
  pid: number;
  child: ChildProcess;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The demo partner as our gateway sees its M2M token: every location of tenant demo, the token's scopes. */
const demoPartner = (scopes: string[]): Principal => ({
  tenantId: 'demo',
  subject: 'demo-partner',
  kind: 'm2m',
  clientId: 'demo-partner',
  scopes,
  locationIds: null,
});

/**
 * Starts Hive Gateway twice (as it comes, and with in-flight de-duplication off) on the committed supergraph with
 * the bench's subgraph URLs, each sending the demo partner's signed context to the subgraphs.
 */
async function startPeers(sys: PeerSystem, contextToken: string): Promise<Peer[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-bench-peer-'));
  const sdl = sys.supergraphSdl.replace(
    /(@join__graph\(name: "(\w+)", url: ")[^"]*(")/g,
    (_match, head: string, name: string, tail: string) => {
      const url = sys.urls[`${name.toUpperCase()}_URL`];
      if (!url) throw new Error(`no URL for subgraph ${name}`);
      return `${head}${url}${tail}`;
    },
  );
  const supergraphFile = path.join(dir, 'supergraph.graphql');
  fs.writeFileSync(supergraphFile, sdl);
  const bin = path.join(
    path.dirname(createRequire(path.join(ROOT, 'package.json')).resolve('@graphql-hive/gateway/package.json')),
    'dist/bin.js',
  );
  const variants = [
    { name: 'hive', options: '' },
    {
      name: 'hive no-coalescing',
      options: `transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } },`,
    },
  ];
  const peers: Peer[] = [];
  for (const [i, variant] of variants.entries()) {
    const config = path.join(dir, `gateway-${i}.config.mjs`);
    fs.writeFileSync(
      config,
      `export const gatewayConfig = {\n` +
        `  propagateHeaders: { fromClientToSubgraphs: () => ({ ${JSON.stringify(INTERNAL_CONTEXT_HEADER)}: ${JSON.stringify(contextToken)} }) },\n` +
        `  ${variant.options}\n};\n`,
    );
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [bin, 'supergraph', supergraphFile, '--host', HOST, '--port', String(port), '--config-path', config],
      {
        cwd: dir,
        env: {
          ...MALLOC_ENV,
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_ENV: sys.env.NODE_ENV,
          LOG_LEVEL: sys.env.LOG_LEVEL,
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    child.once('exit', (code, signal) => sys.onExit(`${variant.name} exited (${signal ?? `code ${code}`})`));
    sys.children.push(child);
    peers.push({ name: variant.name, url: `http://${HOST}:${port}`, pid: child.pid!, child });
  }
  await Promise.all(
    peers.map((peer, i) =>
      waitUntilReady(`${peer.url}/readiness`, 60_000, () => sys.children.at(-variants.length + i)!.exitCode === null),
    ),
  );
  return peers;
}

// ---------------------------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------------------------

interface PeerData {
  locationIds: string[];
  /** Order ids by location, in creation order. */
  orders: string[][];
}

async function graphql<T>(
  pool: Pool,
  headers: Record<string, string>,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  const response = await pool.request({
    path: '/graphql',
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.body.text();
  const json = JSON.parse(text) as GraphQLResponse<T>;
  if (response.statusCode !== 200 || json.errors?.length || !json.data) {
    throw new Error(`gateway answered HTTP ${response.statusCode}: ${text.slice(0, 400)}`);
  }
  return json.data;
}

/**
 * PEER_LOCATIONS locations of the demo partner (rows in the orders subgraph's table: there is no mutation for
 * them), each with ORDERS_PER_LOCATION orders; every order has a check at its location, two payments and one
 * loyalty earn whose external id is the order's id. Made through our gateway (and the REST earn webhook).
 */
async function seed(sys: PeerSystem, pool: Pool, locations: number, ordersPerLocation: number): Promise<PeerData> {
  const run = randomUUID().slice(0, 8);
  const client = new pg.Client({ connectionString: sys.databaseUrl });
  await client.connect();
  const locationIds: string[] = [];
  try {
    // The demo locations are seeded with their ids given, so the sequence may still stand behind them.
    await client.query(
      `select setval(pg_get_serial_sequence('orders.location', 'id'), (select max(id) from orders.location))`,
    );
    for (let i = 0; i < locations; i++) {
      const { rows } = await client.query<{ id: number }>(
        `insert into orders.location (tenant_id, name, timezone, created_at) values ('demo', $1, 'America/New_York', now()) returning id`,
        [`Bench peer ${run} ${i + 1}`],
      );
      locationIds.push(String(rows[0].id));
    }
  } finally {
    await client.end();
  }
  const auth = { authorization: `Bearer ${sys.token}` };
  const orders: string[][] = locationIds.map(() => []);
  const one = async (l: number, k: number) => {
    const total = 2000 + 200 * k;
    const { createOrder } = await graphql<{ createOrder: { order: { id: string } } }>(
      pool,
      auth,
      'mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id } } }',
      { input: { locationId: locationIds[l], currency: 'USD', totalMinor: total, externalReference: `PEER-${k}` } },
    );
    const orderId = createOrder.order.id;
    const { openCheck } = await graphql<{ openCheck: { userErrors: unknown[] } }>(
      pool,
      auth,
      'mutation($input: OpenCheckInput!) { openCheck(input: $input) { userErrors { code message } check { id } } }',
      {
        input: {
          locationId: locationIds[l],
          posRef: `peer-${run}-${l}-${k}`,
          orderNumber: `P${k + 1}`,
          ownedByEmployeeRef: 'EMP-BENCH',
          ownedByEmployee: 'Bench',
          orderId,
        },
      },
    );
    if (openCheck.userErrors.length) throw new Error(`openCheck refused: ${JSON.stringify(openCheck.userErrors)}`);
    for (let p = 0; p < 2; p++) {
      await graphql(
        pool,
        auth,
        'mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id } } }',
        { input: { orderId, amountMinor: total / 2, currency: 'USD', cardToken: 'tok_visa' } },
      );
    }
    const earn = await pool.request({
      path: '/webhook/pos',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': LOYALTY_KEY },
      body: JSON.stringify({
        customer_code: Number(LOYALTY_CUSTOMERS[k % LOYALTY_CUSTOMERS.length]),
        amount: total / 100,
        card_type: 'point',
        external_id: orderId,
      }),
    });
    const earned = await earn.body.text();
    if (earn.statusCode !== 200) throw new Error(`earn for order ${orderId}: HTTP ${earn.statusCode} ${earned}`);
    orders[l][k] = orderId;
  };
  const jobs = locationIds.flatMap((_, l) => Array.from({ length: ordersPerLocation }, (_unused, k) => [l, k]));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < jobs.length) {
        const [l, k] = jobs[next++];
        await one(l, k);
      }
    }),
  );
  return { locationIds, orders };
}

// ---------------------------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------------------------

const SMALL_READ =
  'query BenchSmallRead($id: ID!) { order(id: $id) { id number status total { amountMinor } payments { nodes { id amountCents status } } } }';

/** The fields of each subgraph the wide read's selection s (0 to 7) asks for. */
function wideFields(s: number) {
  return {
    order: ['id', 'number', 'total { amountMinor }', ...(s & 1 ? ['status'] : [])],
    check: ['posRef', 'total { amountMinor }', ...(s & 2 ? ['orderNumber'] : [])],
    payment: ['id', 'amountCents', 'status', ...(s & 4 ? ['currency'] : [])],
    loyalty: ['id', 'delta', 'balanceAfter', ...(s & 1 ? ['kind'] : [])],
  };
}

function wideRead(s: number): string {
  const f = wideFields(s);
  return (
    `query BenchWideRead($id: ID!) { location(id: $id) { id name orders { nodes { ${f.order.join(' ')} ` +
    `checks { ${f.check.join(' ')} location { name } } payments { nodes { ${f.payment.join(' ')} } } ` +
    `loyaltyTransactions { nodes { ${f.loyalty.join(' ')} } } } } } }`
  );
}

const CREATE_ORDER =
  'mutation BenchCreateOrder($input: CreateOrderInput!) { createOrder(input: $input) { order { id number status ' +
  'total { amountMinor } payments { nodes { id } } checks { posRef } loyaltyTransactions { nodes { id } } } } }';

interface Variant {
  body: string;
}

// ---------------------------------------------------------------------------------------------------------------
// The direct client of the wide read
// ---------------------------------------------------------------------------------------------------------------

interface Fetch {
  service: string;
  path: string;
  query: string;
  operationName: string;
}

/** The subgraph fetches of our gateway's plan for `query`, from its own planner, by "service@path". */
function planFetches(supergraphSdl: string, query: string): Map<string, Fetch> {
  const gatewayRequire = createRequire(path.join(ROOT, 'gateway/package.json'));
  const queryPlanner = gatewayRequire('@apollo/query-planner') as {
    QueryPlanner: new (supergraph: unknown) => { buildQueryPlan(operation: unknown): { node?: PlanNode } };
  };
  const internals = gatewayRequire('@apollo/federation-internals') as {
    Supergraph: { build(sdl: string): { apiSchema(): unknown } };
    operationFromDocument(schema: unknown, document: unknown): unknown;
  };
  const graphqlJs = gatewayRequire('graphql') as { parse(source: string): unknown };
  const supergraph = internals.Supergraph.build(supergraphSdl);
  const operation = internals.operationFromDocument(supergraph.apiSchema(), graphqlJs.parse(query));
  const plan = new queryPlanner.QueryPlanner(supergraph).buildQueryPlan(operation);
  const fetches = new Map<string, Fetch>();
  const walk = (node: PlanNode | undefined, at: string): void => {
    if (!node) return;
    if (node.kind === 'Fetch') {
      const fetch = {
        service: node.serviceName ?? '',
        path: at || '(root)',
        query: node.operation ?? '',
        operationName: node.operationName ?? '',
      };
      fetches.set(`${fetch.service}@${fetch.path}`, fetch);
    } else if (node.kind === 'Flatten') {
      walk(node.node, (node.path ?? []).join('.'));
    } else if (node.kind === 'Sequence' || node.kind === 'Parallel') {
      for (const child of node.nodes ?? []) walk(child, at);
    } else {
      throw new Error(`unexpected ${node.kind} node in the query plan`);
    }
  };
  walk(plan.node, '');
  return fetches;
}

const WIDE_PLAN = [
  'orders@(root)',
  'checks@location.orders.nodes.@',
  'payments@location.orders.nodes.@',
  'loyalty@location.orders.nodes.@',
  'orders@location.orders.nodes.@.checks.@.location',
];

type Row = Record<string, unknown>;
/** The row's values of these selections, by field name (`total { amountMinor }` is the field `total`). */
const pick = (row: Row, fields: string[]) =>
  Object.fromEntries(fields.map((f) => f.split(/[\s{(]/)[0]).map((name) => [name, row[name]]));

/**
 * Sends the wide read's subgraph operations (its plan's, from our gateway's planner) straight to the subgraphs, one
 * after another, and merges the answers into the client's result, as a client without a gateway would. Entity
 * representations de-duplicated, as our gateway sends them.
 */
class DirectWide {
  private readonly pools: Record<string, Pool>;
  private readonly plans: Array<Record<string, Fetch>>;

  constructor(
    sys: PeerSystem,
    private readonly contextToken: string,
  ) {
    const pool = (url: string) => new Pool(new URL(url).origin, { connections: CONNECTIONS, keepAliveTimeout: 60_000 });
    this.pools = {
      orders: pool(sys.urls.ORDERS_URL),
      checks: pool(sys.urls.CHECKS_URL),
      payments: pool(sys.urls.PAYMENTS_URL),
      loyalty: pool(sys.urls.LOYALTY_URL),
    };
    this.plans = Array.from({ length: WIDE_SELECTIONS }, (_, s) => {
      const fetches = planFetches(sys.supergraphSdl, wideRead(s));
      const shape = [...fetches.keys()].sort();
      if (shape.join() !== [...WIDE_PLAN].sort().join()) {
        throw new Error(
          `the wide read's plan changed (${shape.join(', ')}): update DirectWide in scripts/bench-peer.ts`,
        );
      }
      return Object.fromEntries(WIDE_PLAN.map((key) => [key, fetches.get(key)!]));
    });
  }

  private async post<T>(fetch: Fetch, variables: Record<string, unknown>): Promise<T> {
    const response = await this.pools[fetch.service].request({
      path: '/graphql',
      method: 'POST',
      headers: { 'content-type': 'application/json', [INTERNAL_CONTEXT_HEADER]: this.contextToken },
      body: JSON.stringify({ query: fetch.query, operationName: fetch.operationName, variables }),
    });
    const text = await response.body.text();
    const json = JSON.parse(text) as GraphQLResponse<T>;
    if (response.statusCode !== 200 || json.errors?.length || !json.data) {
      throw new Error(`${fetch.service} answered HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
    }
    return json.data;
  }

  async fetch(locationId: string, s: number): Promise<unknown> {
    const plan = this.plans[s];
    const f = wideFields(s);
    const root = await this.post<{ location: (Row & { orders: { nodes: Row[] } }) | null }>(plan['orders@(root)'], {
      id: locationId,
    });
    if (!root.location) return { location: null };
    const orders = root.location.orders.nodes;
    const orderReps = unique(orders.map((o) => ({ __typename: 'Order', id: o.id as string })));
    const entities = async (key: string, representations: Array<{ __typename: string; id: string }>) =>
      representations.length
        ? (await this.post<{ _entities: Array<Row | null> }>(plan[key], { representations }))._entities
        : [];
    const checks = await entities('checks@location.orders.nodes.@', orderReps.list);
    const payments = await entities('payments@location.orders.nodes.@', orderReps.list);
    const loyalty = await entities('loyalty@location.orders.nodes.@', orderReps.list);
    const checkRows = checks.flatMap((e) => (e?.checks as Row[] | undefined) ?? []);
    const locationReps = unique(
      checkRows.map((c) => ({ __typename: 'Location', id: (c.location as { id: string }).id })),
    );
    const locations = await entities('orders@location.orders.nodes.@.checks.@.location', locationReps.list);
    return {
      location: {
        id: root.location.id,
        name: root.location.name,
        orders: {
          nodes: orders.map((o) => {
            const i = orderReps.index.get(o.id as string)!;
            return {
              ...pick(o, f.order),
              checks: ((checks[i]?.checks as Row[] | undefined) ?? []).map((c) => ({
                ...pick(c, f.check),
                location: pick(locations[locationReps.index.get((c.location as { id: string }).id)!] ?? {}, ['name']),
              })),
              payments: {
                nodes: ((payments[i]?.payments as { nodes: Row[] } | undefined)?.nodes ?? []).map((p) =>
                  pick(p, f.payment),
                ),
              },
              loyaltyTransactions: {
                nodes: ((loyalty[i]?.loyaltyTransactions as { nodes: Row[] } | undefined)?.nodes ?? []).map((t) =>
                  pick(t, f.loyalty),
                ),
              },
            };
          }),
        },
      },
    };
  }

  async destroy(): Promise<void> {
    await Promise.all(Object.values(this.pools).map((pool) => pool.destroy().catch(() => undefined)));
  }
}

function unique(reps: Array<{ __typename: string; id: string }>) {
  const index = new Map<string, number>();
  const list: Array<{ __typename: string; id: string }> = [];
  for (const rep of reps) {
    if (!index.has(rep.id)) {
      index.set(rep.id, list.length);
      list.push(rep);
    }
  }
  return { list, index };
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------------------------

export interface Side extends MeasuredSide {
  /** The gateway process whose CPU is this side's (null: none, the direct client). */
  gatewayPid: number | null;
}

export interface SideResult extends Omit<TargetResult, 'machineBusyPercent'> {
  warmupErrors: number;
  firstError: string | null;
  subgraphOperationsPerRequest: Record<string, number>;
  /** HTTP requests to each subgraph's /graphql per request (fewer than the operations where the gateway batched). */
  subgraphHttpRequestsPerRequest: Record<string, number>;
  segmentsPerSecond: number[];
}

/**
 * The sides measured interleaved (`runSides` of bench-common) in blocks of ~3 s per side: each side's gateway CPU
 * is its own gateway's (ours when it has none), the other gateways standing by; subgraphs a side did not reach are
 * left out of its counts.
 */
export async function runSides(
  sys: PeerSystem,
  allGateways: number[],
  sides: Side[],
  seconds: number,
  warmupSeconds: number,
): Promise<SideResult[]> {
  const measured = await measureSides(sides, {
    connections: CONNECTIONS,
    seconds,
    warmupSeconds,
    blockSeconds: 3,
    pids: (side) => {
      const gateway = side.gatewayPid ?? sys.pids.gateway;
      return { gateway, subgraphs: sys.pids.subgraphs, otherGateways: allGateways.filter((pid) => pid !== gateway) };
    },
    subgraphCounts: () => sys.subgraphCounts(),
  });
  return measured.map(({ side, load, cpu, ...m }) => {
    // The peer part's results give the others' share alone (othersPercent).
    const { machineBusyPercent, ...result } = summarise(side.target, load, cpu, side.gatewayPid !== null);
    const reached = (counts: Record<string, number>) =>
      Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
    return {
      ...result,
      warmupErrors: m.warmupErrors,
      firstError: m.firstError,
      subgraphOperationsPerRequest: reached(m.subgraphOperationsPerRequest),
      subgraphHttpRequestsPerRequest: reached(m.subgraphHttpRequestsPerRequest),
      segmentsPerSecond: m.segmentsPerSecond,
    };
  });
}

function printTable(title: string, rows: SideResult[], rss: Record<string, number | null>): void {
  const header = [
    title,
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'gw CPU ms/req',
    'subgraphs ms/req',
    'PG ms/req',
    'client ms/req',
    'gw RSS MB',
    'others %',
    'subgraph HTTP/req',
    'subgraph ops/req',
  ];
  const f = (n: number | null | undefined, digits = 2) =>
    n === null || n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);
  const lines = rows.map((r) => [
    r.target,
    f(r.requestsPerSecond, 1),
    f(r.p50Ms, 1),
    f(r.p99Ms, 1),
    String(r.errors + r.warmupErrors),
    f(r.cpuMsPerRequest.gateway),
    f(r.cpuMsPerRequest.subgraphs),
    f(r.cpuMsPerRequest.postgres),
    f(r.cpuMsPerRequest.client),
    f(rss[r.target], 0),
    f(r.othersPercent, 0),
    f(Object.values(r.subgraphHttpRequestsPerRequest).reduce((a, b) => a + b, 0)),
    Object.entries(r.subgraphOperationsPerRequest)
      .map(([name, n]) => `${name} ${n.toFixed(2)}`)
      .join(', '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
  console.log(row(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const line of lines) console.log(row(line));
  for (const r of rows) {
    if (r.errors || r.warmupErrors) console.log(`  ${r.target}: first error: ${r.firstError ?? '-'}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The part
// ---------------------------------------------------------------------------------------------------------------

interface Target {
  name: string;
  pool: Pool;
  pid: number;
  headers: Record<string, string>;
}

async function answer(target: Target, body: string): Promise<{ status: number; text: string }> {
  const response = await target.pool.request({
    path: '/graphql',
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body,
  });
  return { status: response.statusCode, text: await response.body.text() };
}

/** The peer comparison and the wide read's overhead; `smoke` runs every case once for a second. */
export async function peerBench(
  sys: PeerSystem,
  options: { smoke?: boolean } = {},
): Promise<{ report: Record<string, unknown>; failed: boolean }> {
  const seconds = options.smoke ? 0.5 : PEER_SECONDS;
  // The smoke (CI) only checks that everything still runs: less data to make.
  const locations = options.smoke ? 2 : PEER_LOCATIONS;
  const perLocation = options.smoke ? 4 : ORDERS_PER_LOCATION;
  const warmupSeconds = options.smoke ? 0.25 : PEER_WARMUP_SECONDS;
  const contextToken = await signInternalContext(sys.internalSecret, demoPartner(sys.scopes), 3600);
  const peers = await startPeers(sys, contextToken);
  const ourPool = new Pool(sys.gatewayUrl, { connections: CONNECTIONS, keepAliveTimeout: 60_000 });
  sys.clients.push(ourPool);
  const targets: Target[] = [
    { name: 'ours', pool: ourPool, pid: sys.pids.gateway, headers: { authorization: `Bearer ${sys.token}` } },
    ...peers.map((peer) => {
      const pool = new Pool(peer.url, { connections: CONNECTIONS, keepAliveTimeout: 60_000 });
      sys.clients.push(pool);
      return { name: peer.name, pool, pid: peer.pid, headers: {} };
    }),
  ];
  const allGateways = targets.map((t) => t.pid);
  const direct = new DirectWide(sys, contextToken);
  sys.clients.push(direct);

  const seeded = Date.now();
  const data = await seed(sys, ourPool, locations, perLocation);
  console.log(
    `\npeer: ${targets.map((t) => t.name).join(', ')}; data: ${locations} locations x ${perLocation} ` +
      `orders, each with a check, 2 payments and a loyalty earn (made in ${((Date.now() - seeded) / 1000).toFixed(1)} s)`,
  );

  const allOrders = data.orders.flat();
  const reads: Record<string, Record<'identical' | 'varied', Variant[]>> = {
    'small read': {
      identical: [{ body: JSON.stringify({ query: SMALL_READ, variables: { id: allOrders[0] } }) }],
      varied: allOrders.map((id) => ({ body: JSON.stringify({ query: SMALL_READ, variables: { id } }) })),
    },
    'wide read': {
      identical: [{ body: JSON.stringify({ query: wideRead(0), variables: { id: data.locationIds[0] } }) }],
      varied: Array.from({ length: locations * WIDE_SELECTIONS }, (_, v) => ({
        body: JSON.stringify({
          query: wideRead(Math.floor(v / locations)),
          variables: { id: data.locationIds[v % locations] },
        }),
      })),
    },
  };

  // Every target must give the same data for every read before anything is measured; each then has to give its
  // own answer again, byte for byte, on every request of the run.
  const expected = new Map<string, string[]>();
  let entities = 0;
  for (const [op, patterns] of Object.entries(reads)) {
    for (const [pattern, variants] of Object.entries(patterns)) {
      const texts = new Map<string, string[]>(targets.map((t) => [t.name, []]));
      for (const variant of variants) {
        let reference: string | null = null;
        for (const target of targets) {
          const got = await answer(target, variant.body);
          const json = JSON.parse(got.text) as GraphQLResponse<unknown>;
          if (got.status !== 200 || json.errors?.length || !json.data) {
            throw new Error(`${target.name} answered the ${op} with HTTP ${got.status}: ${got.text.slice(0, 400)}`);
          }
          const same = canonical(json.data);
          reference ??= same;
          if (same !== reference) {
            throw new Error(
              `${target.name} answered the ${op} differently: ${same.slice(0, 300)} vs ${reference.slice(0, 300)}`,
            );
          }
          texts.get(target.name)!.push(got.text);
        }
      }
      for (const [name, list] of texts) expected.set(`${op}|${pattern}|${name}`, list);
    }
  }
  // The direct client must give the wide read's data too.
  for (let v = 0; v < locations * WIDE_SELECTIONS; v++) {
    const viaDirect = canonical(await direct.fetch(data.locationIds[v % locations], Math.floor(v / locations)));
    const viaGateway = canonical(
      (JSON.parse(expected.get('wide read|varied|ours')![v]) as GraphQLResponse<unknown>).data,
    );
    if (viaDirect !== viaGateway) {
      throw new Error(
        `the direct client's wide read differs: ${viaDirect.slice(0, 300)} vs ${viaGateway.slice(0, 300)}`,
      );
    }
  }
  {
    const wide = JSON.parse(expected.get('wide read|identical|ours')![0]) as {
      data: {
        location: {
          orders: {
            nodes: Array<{
              checks: unknown[];
              payments: { nodes: unknown[] };
              loyaltyTransactions: { nodes: unknown[] };
            }>;
          };
        };
      };
    };
    const orders = wide.data.location.orders.nodes;
    entities =
      orders.length +
      orders.reduce((n, o) => n + o.checks.length + o.payments.nodes.length + o.loyaltyTransactions.nodes.length, 0);
    if (entities < 4 * perLocation) throw new Error(`the wide read returned only ${entities} entities`);
  }

  const cases: Array<{
    operation: string;
    pattern: string;
    results: SideResult[];
    rssMb: Record<string, number | null>;
  }> = [];
  const readSide = (target: Target, op: string, pattern: 'identical' | 'varied'): Side => {
    const variants = reads[op][pattern];
    const wanted = expected.get(`${op}|${pattern}|${target.name}`)!;
    return {
      target: target.name,
      gatewayPid: target.pid,
      send: async (n) => {
        const v = n % variants.length;
        const got = await answer(target, variants[v].body);
        if (got.text !== wanted[v]) throw new Error(`HTTP ${got.status}: ${got.text.slice(0, 300)}`);
      },
    };
  };
  const mutationSide = (target: Target, pattern: 'identical' | 'varied'): Side => ({
    target: target.name,
    gatewayPid: target.pid,
    send: async (n) => {
      const totalMinor = pattern === 'identical' ? 2500 : 2500 + (n % 1000);
      const externalReference = pattern === 'identical' ? 'PEER-MUTATION' : `PEER-M${n}`;
      const got = await answer(
        target,
        JSON.stringify({
          query: CREATE_ORDER,
          variables: { input: { locationId: MUTATION_LOCATION, currency: 'USD', totalMinor, externalReference } },
        }),
      );
      const json = JSON.parse(got.text) as GraphQLResponse<{
        createOrder?: {
          order?: {
            id?: unknown;
            status?: unknown;
            total?: { amountMinor?: unknown };
            payments?: { nodes?: unknown[] };
          };
        };
      }>;
      const order = json.data?.createOrder?.order;
      if (
        got.status !== 200 ||
        json.errors?.length ||
        typeof order?.id !== 'string' ||
        order.status !== 'OPEN' ||
        order.total?.amountMinor !== totalMinor ||
        order.payments?.nodes?.length !== 0
      ) {
        throw new Error(`HTTP ${got.status}: ${got.text.slice(0, 300)}`);
      }
    },
  });
  const directSide: Side = {
    target: 'direct',
    gatewayPid: null,
    send: async (n) => {
      const v = n % (locations * WIDE_SELECTIONS);
      await direct.fetch(data.locationIds[v % locations], Math.floor(v / locations));
    },
  };

  const plan: Array<{ operation: string; pattern: 'identical' | 'varied' }> = [
    { operation: 'small read', pattern: 'identical' },
    { operation: 'small read', pattern: 'varied' },
    { operation: 'wide read', pattern: 'identical' },
    { operation: 'wide read', pattern: 'varied' },
    { operation: 'mutation', pattern: 'identical' },
    { operation: 'mutation', pattern: 'varied' },
  ];
  // BENCH_PEER_CASES="wide read varied,small read identical" runs only those (for profiling one of them).
  const only = process.env.BENCH_PEER_CASES?.split(',').map((c) => c.trim());
  for (const { operation, pattern } of plan.filter((c) => !only || only.includes(`${c.operation} ${c.pattern}`))) {
    const sides = targets.map((t) =>
      operation === 'mutation' ? mutationSide(t, pattern) : readSide(t, operation, pattern),
    );
    if (operation === 'wide read' && pattern === 'varied') sides.push(directSide);
    console.log(
      `\npeer ${operation} ${pattern}: ${sides.map((s) => s.target).join(', ')}; ${warmupSeconds} s warm-up and ` +
        `${seconds} s measured each, interleaved, ${CONNECTIONS} workers...`,
    );
    const results = await runSides(sys, allGateways, sides, seconds, warmupSeconds);
    const rss = Object.fromEntries(targets.map((t) => [t.name, rssMb(t.pid)]));
    printTable(`${operation} ${pattern}`, results, rss);
    cases.push({ operation, pattern, results, rssMb: rss });
  }
  const peakRss = Object.fromEntries(targets.map((t) => [t.name, rssMb(t.pid, 'VmHWM')]));
  const rssAfter = Object.fromEntries(targets.map((t) => [t.name, rssMb(t.pid)]));
  // The peers are done: stopped now, so that they take no memory or CPU from the parts after this one.
  for (const peer of peers) {
    peer.child.removeAllListeners('exit');
    sys.children.splice(sys.children.indexOf(peer.child), 1);
  }
  await stopAll(peers.map((peer) => peer.child));

  // One line per figure.
  console.log('');
  const lines: Array<Record<string, unknown>> = [];
  let failed = false;
  for (const c of cases) {
    const ours = c.results.find((r) => r.target === 'ours')!;
    for (const peer of peers) {
      const theirs = c.results.find((r) => r.target === peer.name)!;
      const isRead = c.operation !== 'mutation';
      if (!(theirs.requestsPerSecond > 0)) {
        // The smoke's half-second windows can end before a slow side's first answer: no ratio, and no verdict.
        console.log(
          `bench: peer ${c.operation} ${c.pattern} ours/${peer.name} not compared: ${peer.name} completed no ` +
            `request in the measured window (ours ${ours.requestsPerSecond.toFixed(1)} req/s)`,
        );
        lines.push({ operation: c.operation, pattern: c.pattern, peer: peer.name, ratio: null, meetsTarget: null });
        continue;
      }
      const ratio = ours.requestsPerSecond / theirs.requestsPerSecond;
      const meets = ratio >= PEER_TARGET_RATIO && ours.p99Ms < theirs.p99Ms;
      console.log(
        `bench: peer ${c.operation} ${c.pattern} ours/${peer.name} throughput ${ratio.toFixed(2)} ` +
          `(${ours.requestsPerSecond.toFixed(1)} vs ${theirs.requestsPerSecond.toFixed(1)} req/s), p99 ` +
          `${ours.p99Ms.toFixed(1)} vs ${theirs.p99Ms.toFixed(1)} ms, gateway CPU ` +
          `${ours.cpuMsPerRequest.gateway?.toFixed(2)} vs ${theirs.cpuMsPerRequest.gateway?.toFixed(2)} ms/req` +
          (isRead ? ` (target >= ${PEER_TARGET_RATIO} at lower p99)${meets ? '' : ' BELOW TARGET'}` : ''),
      );
      lines.push({
        operation: c.operation,
        pattern: c.pattern,
        peer: peer.name,
        ratio,
        meetsTarget: isRead ? meets : null,
      });
    }
  }
  const wideVaried = cases.find((c) => c.operation === 'wide read' && c.pattern === 'varied');
  const oursWide = wideVaried?.results.find((r) => r.target === 'ours');
  const directWide = wideVaried?.results.find((r) => r.target === 'direct');
  const overhead = oursWide && directWide ? oursWide.requestsPerSecond / directWide.requestsPerSecond : NaN;
  if (oursWide && directWide)
    console.log(
      `bench: gateway/direct wide read (varied) throughput ${overhead.toFixed(2)} (${oursWide.requestsPerSecond.toFixed(1)} ` +
        `vs ${directWide.requestsPerSecond.toFixed(1)} req/s; p99 ${oursWide.p99Ms.toFixed(1)} vs ` +
        `${directWide.p99Ms.toFixed(1)} ms) (target >= ${OVERHEAD_TARGET_RATIO})` +
        (overhead >= OVERHEAD_TARGET_RATIO ? '' : ' BELOW TARGET'),
    );
  console.log(
    `bench: peer gateway RSS after the runs ${targets.map((t) => `${t.name} ${rssAfter[t.name]?.toFixed(0) ?? '-'} MB (peak ${peakRss[t.name]?.toFixed(0) ?? '-'})`).join(', ')}`,
  );
  for (const c of cases) {
    for (const r of c.results) {
      if (r.errors || r.warmupErrors) {
        failed = true;
        console.log(`bench: peer ${c.operation} ${c.pattern} ${r.target} ${r.errors + r.warmupErrors} errors FAILED`);
      }
    }
  }
  return {
    failed,
    report: {
      measurement:
        'closed loop, one undici Pool per target, same workers; warm-up in ~1 s slices, then blocks A B C C B A of ' +
        'short segments; every read checked byte for byte against its target’s answer taken before (those compared ' +
        'field for field across targets); every mutation a new order',
      peers:
        'hive: `hive-gateway supergraph` (2.15.1, default options: identical in-flight subgraph requests shared); ' +
        'hive no-coalescing: the same with transportEntries *.http deduplicateInflightRequests false; both send a ' +
        'static signed x-pos-context (the demo partner) to the subgraphs and check no credential; ours verifies the ' +
        'Bearer token of the same partner (cached) and signs the context (cached)',
      operations: {
        smallRead: SMALL_READ,
        wideRead: wideRead(0),
        wideReadSelections: 'selection s adds status+kind (s&1), orderNumber (s&2), currency (s&4)',
        mutation: CREATE_ORDER,
        identical: 'every request the same body',
        varied: `small read over ${allOrders.length} orders; wide read over ${locations} locations x ${WIDE_SELECTIONS} selections; mutation with its own total and reference`,
      },
      wideReadEntities: entities,
      seconds,
      warmupSeconds,
      connections: CONNECTIONS,
      cases,
      summary: lines,
      overhead: { ratio: overhead, target: OVERHEAD_TARGET_RATIO, gateway: oursWide, direct: directWide },
      rssMbAfter: rssAfter,
      peakRssMb: peakRss,
    },
  };
}
