/**
 * The first half of the queries part: one federated query (QUERY) through the gateway against the same data
 * fetched from the subgraphs directly (the direct client), in the same run.
 *
 * - gateway: autocannon (in-process), BENCH_CONNECTIONS connections, a discarded warm-up, then the measured run.
 * - direct: the direct client (direct-client.ts) in a closed loop with the same concurrency and duration.
 */
import { signInternalContext } from '@pos/kit';
import autocannon from 'autocannon';
import { type BenchData, DirectClient, type DirectPlan, OPERATION_NAME, QUERY } from './direct-client';
import { SEED_ORDER, SEED_PAYMENT, demoPartner } from './demo-data';
import { operationsLine, printTargets } from './format';
import { type GraphQLResponse, canonical } from './http';
import { type LoadResult, aborted, closedLoop } from './load';
import { withCpu } from './proc';
import { addSubgraphCounts, subgraphCountsPerRequest, summarise } from './results';
import { CONNECTIONS, ORDERS, SECONDS, WARMUP_SECONDS } from './settings';
import type { System } from './system';

/** Runs `run`, and returns with its result the subgraph operations and HTTP requests it caused per completed request. */
async function withSubgraphCounts<T extends { result: LoadResult }>(sys: System, run: () => Promise<T>) {
  const before = await sys.subgraphCounts();
  const measured = await run();
  const after = await sys.subgraphCounts();
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

/** BENCH_ORDERS orders at location 1, each with one payment, for QUERY to read. */
async function createData(gatewayUrl: string, token: string): Promise<void> {
  for (let i = 0; i < ORDERS; i++) {
    const { createOrder } = await gatewayGraphql<{ createOrder: { order: { id: string } } }>(
      gatewayUrl,
      token,
      SEED_ORDER,
      { input: { locationId: '1', currency: 'USD', totalMinor: 1000 + 125 * i } },
    );
    await gatewayGraphql(gatewayUrl, token, SEED_PAYMENT, {
      input: { orderId: createOrder.order.id, amountMinor: 1000 + 125 * i, currency: 'USD', cardToken: 'tok_visa' },
    });
  }
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

/** The federated query through the gateway against the direct client: measured, printed and reported. */
export async function federatedQueryBench(
  sys: System,
  plan: DirectPlan,
): Promise<{ report: Record<string, unknown>; failed: boolean }> {
  const { gatewayUrl, token, scopes, urls, secrets, pids, clients } = sys;
  await createData(gatewayUrl, token);
  const contextToken = await signInternalContext(secrets.INTERNAL_JWT_SECRET, demoPartner(scopes), 600);
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
  const gatewayRun = await withSubgraphCounts(sys, () =>
    withCpu(pids, () => runAutocannon(gatewayUrl, token, SECONDS)),
  );
  aborted.signal.throwIfAborted();

  console.log(`direct:  ${WARMUP_SECONDS} s warm-up, then ${SECONDS} s measured, ${CONNECTIONS} workers...`);
  await closedLoop(CONNECTIONS, WARMUP_SECONDS, () => direct.fetch(), noteError);
  const directRun = await withSubgraphCounts(sys, () =>
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
  printTargets(rows);
  console.log(
    `\nratio gateway/direct throughput: ${ratio.throughput.toFixed(2)}, p50: ${ratio.p50.toFixed(2)}, p99: ${ratio.p99.toFixed(2)}`,
  );
  console.log(
    'CPU columns: CPU ms per completed request of the gateway process, the four subgraph processes, PostgreSQL and ' +
      'this process (autocannon or the direct client); box busy % is of all cores, others % is processes not ours.',
  );
  console.log(
    `subgraph operations per request (from their /metrics): gateway ${operationsLine(gatewayRun.subgraphOperationsPerRequest)}; ` +
      `direct ${operationsLine(directRun.subgraphOperationsPerRequest)}`,
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
  return {
    failed: rows.some((r) => r.errors > 0),
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
    },
  };
}
