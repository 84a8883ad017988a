/**
 * The second half of the queries part: the REST facade against the GraphQL operation each REST route runs, sent to
 * the gateway's /graphql, pair by pair (rest-pairs.ts, mobile-checks.ts, loyalty-earn.ts): measured interleaved,
 * printed and reported, with the pay and earn variants on lines of their own.
 */
import { LOYALTY_CUSTOMERS, PAY_AMOUNT } from './demo-data';
import { operationsLine, printTargets } from './format';
import { benchPool } from './http';
import { EARN_AMOUNT, loyaltyEarnPair } from './loyalty-earn';
import { checkReadPair, payCheckPair } from './mobile-checks';
import { type TargetResult, summarise } from './results';
import { type Pair, createOrderPair, orderReadPair } from './rest-pairs';
import { runSides } from './sides';
import { CONNECTIONS, SECONDS, WARMUP_SECONDS } from './settings';
import type { System } from './system';

/** REST must reach this share of the GraphQL throughput (the acceptance criterion of the REST facade's issue). */
const REST_TARGET_RATIO = 0.9;

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
 * Warms both sides up and measures them in short alternating segments (`runSides` of sides.ts): the warm-up in
 * ~1 s slices A B A B ..., the measurement in blocks A B B A of ~1.25 s segments (the pair's measured seconds per
 * side in all). On the 2-core machine the routes' throughput still climbs for 10-15 s after they are first hit (JIT
 * and GC tuning in the gateway and the subgraph) and bursts of other load come and go; one long run per side, or
 * even A B B A with 5 s segments, put a different share of that on each side, and the ratio swung between 0.89 and
 * 1.23 from run to run. Interleaved, both sides get the same share, and the orders the create pair adds weigh on
 * both alike. An alongside variant makes the blocks A B C C B A.
 */
async function runPair(
  sys: System,
  pair: Pair,
): Promise<{ rest: SideRun; graphql: SideRun; alongside: SideRun | null }> {
  const timing = pair.timing ?? { seconds: SECONDS, warmupSeconds: WARMUP_SECONDS };
  const sides = [pair.rest, pair.graphql, ...(pair.alongside ? [pair.alongside] : [])];
  const measured = await runSides(sides, {
    connections: CONNECTIONS,
    ...timing,
    blockSeconds: 2.5,
    pids: () => sys.pids,
    subgraphCounts: () => sys.subgraphCounts(),
  });
  const [rest, graphql, alongside] = measured.map(({ side, load, cpu, ...m }): SideRun => ({
    result: summarise(side.target, load, cpu, true),
    ...m,
  }));
  return { rest, graphql, alongside: alongside ?? null };
}

/** What one pair's runs came to, with the REST/GraphQL ratios. */
type Compared = Awaited<ReturnType<typeof runPair>> & {
  pair: Pair;
  ratio: { throughput: number; p50: number; p99: number };
  timing: { seconds: number; warmupSeconds: number };
};

/** The REST pairs, each measured after the other; after the federated query, whose data their orders would change. */
export async function restVsGraphqlBench(sys: System): Promise<{ report: Record<string, unknown>; failed: boolean }> {
  const { token, scopes } = sys;
  const restPool = benchPool(sys, sys.gatewayUrl);
  const pairs = [
    await orderReadPair(restPool, token),
    await createOrderPair(restPool, token),
    await checkReadPair(restPool, token, scopes),
    await payCheckPair(restPool, token, scopes),
  ];
  const earnPair = await loyaltyEarnPair(restPool);
  pairs.push(earnPair);
  const compared: Compared[] = [];
  for (const pair of pairs) {
    const timing = pair.timing ?? { seconds: SECONDS, warmupSeconds: WARMUP_SECONDS };
    console.log(
      `\n${pair.name}: REST ${String(pair.describe.rest)} vs its GraphQL operation at /graphql` +
        `${pair.alongside ? `, and ${String(pair.describe.alongside)}` : ''}; ${timing.warmupSeconds} s ` +
        `warm-up and ${timing.seconds} s measured each, interleaved, ${CONNECTIONS} workers...`,
    );
    const { rest, graphql, alongside } = await runPair(sys, pair);
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
  printTargets(sides.map((side) => side.result));
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
        `request: rest ${operationsLine(rest.subgraphOperationsPerRequest)}; ` +
        `graphql ${operationsLine(graphql.subgraphOperationsPerRequest)}; req/s per segment: ` +
        `rest ${rest.segmentsPerSecond.map((r) => r.toFixed(0)).join('/')}, ` +
        `graphql ${graphql.segmentsPerSecond.map((r) => r.toFixed(0)).join('/')}` +
        (alongside
          ? `; ${alongside.result.target}: subgraph operations per request ` +
            `${operationsLine(alongside.subgraphOperationsPerRequest)}, req/s per segment ` +
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
  /** A variant's figures in the pay and earn sections of the report. */
  const variantFigures = (run: SideRun) => ({
    requestsPerSecond: run.result.requestsPerSecond,
    p50Ms: run.result.p50Ms,
    p99Ms: run.result.p99Ms,
    failures: run.result.errors + run.warmupErrors,
  });
  return {
    failed: restErrors > 0 || earnFailures > 0,
    report: {
      restVsGraphql: {
        targetRatio: REST_TARGET_RATIO,
        measurement:
          'closed loop over one undici Pool, same token, data and workers; warm-up in ~1 s slices A B A B ..., ' +
          'then blocks A B B A of ~1.25 s segments (seconds and warmupSeconds per side are given for each pair)',
        pairs: compared.map(pairReport),
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
            { workers: CONNECTIONS, checks: variant === 'contended' ? 1 : CONNECTIONS, ...variantFigures(run) },
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
                ...variantFigures(run),
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

/** One pair in the report: its requests, both sides' figures and the ratio, and the alongside variant's. */
function pairReport({ pair, rest, graphql, alongside, ratio, timing }: Compared) {
  return {
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
    ratio,
    meetsTarget: ratio.throughput >= REST_TARGET_RATIO,
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
  };
}
