/**
 * The REST pairs of the mobile payment routes (`/pos/v2`): the check read (`GET /pos/v2/{locationId}/checks/{posRef}`)
 * and the check payment (`POST /pos/v2/{locationId}/checks/{posRef}/pay`, each worker paying its own check, and
 * interleaved with it the pay route with every worker paying the same check: contended, reported alone).
 */
import { randomUUID } from 'node:crypto';
import { MAX_AMOUNT_CENTS, SCOPES } from '@pos/kit';
import type { Pool } from 'undici';
import { ADD_CHECK_ITEM, OPEN_CHECK, PAY_AMOUNT, openBenchCheck, payBody } from './demo-data';
import { call, canonical, graphqlData, restBody } from './http';
import {
  type Pair,
  type PairSide,
  REPLAYED,
  readBothWays,
  type Timing,
  requireScopes,
  restRoute,
  routePath,
  routeVariables,
} from './rest-pairs';
import { CHECK_SECONDS, CHECK_WARMUP_SECONDS, CONNECTIONS, PAY_SECONDS, PAY_WARMUP_SECONDS } from './settings';

/**
 * Measured and warm-up seconds per side of the check read and of the pay measurements (three sides: spread REST,
 * spread GraphQL, contended REST). Their paths are first hit here and their throughput climbs steeply for the first
 * seconds (JIT): with a 1 s warm-up per side the REST side, which runs first in every block, came out behind (check
 * read 0.92 and 0.93 in two runs, pay 0.93 and 0.85); with these warm-ups the ratios are about those of runs with
 * 4 s warm-ups and 12 s measured (1.02 and 0.99).
 */
const CHECK_TIMING: Timing = { seconds: CHECK_SECONDS, warmupSeconds: CHECK_WARMUP_SECONDS };
const PAY_TIMING: Timing = { seconds: PAY_SECONDS, warmupSeconds: PAY_WARMUP_SECONDS };

/** Seeded demo checks of location 1 that the check read cycles through (1-104 is the locked one: still readable). */
const READ_CHECKS = ['1-101', '1-102', '1-103', '1-104'];

/** The check read: GET /pos/v2/{locationId}/checks/{posRef} against the route's `MobileCheck` query. */
export async function checkReadPair(pool: Pool, token: string, scopes: string[]): Promise<Pair> {
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
    const read = await readBothWays(pool, token, route, paths[i], bodies[i], `check ${posRef}`);
    const { restAnswer, graphqlAnswer, rest } = read;
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

/**
 * More pay requests a second than any run here gets near (about 65 on the 2-core machine): every bench check
 * is opened with a price that covers PAY_AMOUNT at this rate for the whole of the pay measurements, so none can
 * run out (a 400 "more than the check still owes" would count as a failure).
 */
const PAY_RATE_BOUND = 5000;

/**
 * The check payment: REST pay against the route's `MobilePayCheck` mutation, each worker paying its own check, and
 * alongside, REST pay with every worker paying the same check (the contended case: the payable row lock's queue).
 * Opens CONNECTIONS checks at location 1 (one per worker) and one more for the contended case, through the
 * gateway's GraphQL, each with one item priced to cover every payment the runs can make. Every request, on any
 * side, registers a new payment: its own processor invoice and its own Idempotency-Key.
 */
export async function payCheckPair(pool: Pool, token: string, scopes: string[]): Promise<Pair> {
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
    await openBenchCheck(pool, token, { locationId: '1', posRef, orderNumber: `B${i + 1}` }, price);
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
