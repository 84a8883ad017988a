/**
 * The REST pair of the loyalty earn: `POST /webhook/pos` against its `Earn` mutation, both with the standard org's
 * X-Api-Key instead of a token, the workers spread over the org's three demo customers, and interleaved with it the
 * REST earn with every worker earning for one customer (contended), reported alone. Every earn has its own
 * external_id, and an answer that is not a 200 recording a new earn ("already processed" included) is counted and
 * fails the run.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'undici';
import { LOYALTY_CUSTOMERS, LOYALTY_ORG } from './demo-data';
import { type ApiKey, type GraphQLResponse, call, canonical, graphqlData, postGraphql, restBody } from './http';
import { type Pair, type PairSide, type Timing, restRoute, routeVariables } from './rest-pairs';
import { LOYALTY_SECONDS, LOYALTY_WARMUP_SECONDS } from './settings';

/** The earn measurements: three sides as for pay (spread REST, spread GraphQL, contended REST), first hit here too. */
const LOYALTY_TIMING: Timing = { seconds: LOYALTY_SECONDS, warmupSeconds: LOYALTY_WARMUP_SECONDS };

/** What every earn request sends: a point-card purchase of 85.50 (REST's decimal `amount`, GraphQL's cents). */
export const EARN_AMOUNT = 85.5;
const earnBody = (customerCode: string, externalId: string) => ({
  customer_code: Number(customerCode),
  amount: EARN_AMOUNT,
  card_type: 'point',
  external_id: externalId,
});
const LOYALTY_CUSTOMER_POINTS =
  'query BenchLoyaltyCustomer($code: String!) { loyaltyCustomer(code: $code) { points stamps org { earnRatio } } }';

/** Per side of the earn pair, the answers that were not a new earn: they fail the run. */
export interface EarnFailures {
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
export async function loyaltyEarnPair(pool: Pool): Promise<Pair & { failures: Record<string, EarnFailures> }> {
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
  const before = (await postGraphql(pool, key, LOYALTY_CUSTOMER_POINTS, { code: customer })).loyaltyCustomer as {
    points: number;
    stamps: number;
    org: { earnRatio: number };
  } | null;
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
