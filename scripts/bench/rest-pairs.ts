/**
 * A REST route against the GraphQL operation it runs, sent to the gateway's /graphql: what a pair is, the route
 * table's helpers, and the order pairs, the order read (`GET /pos/v1/orders/{id}`) and the order creation
 * (`POST /pos/v1/orders`). The check pairs are in mobile-checks.ts, the loyalty earn in loyalty-earn.ts. Both sides
 * of a pair use the same closed-loop client, token, data, concurrency and duration, and the GraphQL side sends the
 * route's own document and variables (taken from the gateway's route table, so they cannot drift).
 */
import { randomUUID } from 'node:crypto';
import type { RestRoute } from '@pos/gateway/src/rest/route';
import { REPLAYED_HEADER } from '@pos/gateway/src/rest/router';
import { routes } from '@pos/gateway/src/rest/routes';
import type { Pool } from 'undici';
import { LEVEL3, LEVEL3_TOTAL_CENTS } from '../../test/support/fixtures';
import { type Answer, call, canonical, graphqlData, restBody } from './http';
import type { MeasuredSide } from './sides';

/**
 * One side of a pair: sends the n-th request of its runs (from the given worker, 0 to CONNECTIONS - 1) and throws
 * unless the answer is the expected one.
 */
export type PairSide = MeasuredSide;

/** Measured and warm-up seconds per side. */
export interface Timing {
  seconds: number;
  warmupSeconds: number;
}

export interface Pair {
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

/** The REST facade's replay header, lower-cased as undici gives response headers. */
export const REPLAYED = REPLAYED_HEADER.toLowerCase();

export function restRoute(operationId: string): RestRoute {
  const route = routes.find((r) => r.operationId === operationId);
  if (!route) throw new Error(`no REST route ${operationId} in gateway/src/rest/routes.ts`);
  return route;
}

/**
 * The variables the route passes to its operation for this input, as they go over the wire: computed by the
 * route itself, with the given Idempotency-Key (none: null), and the members it leaves undefined dropped as JSON
 * drops them.
 */
export function routeVariables(
  route: RestRoute,
  input: { params?: Record<string, string>; body?: unknown; idempotencyKey?: string },
): Record<string, unknown> {
  const variables = route.variables({
    params: input.params ?? {},
    query: {},
    body: input.body,
    idempotencyKey: input.idempotencyKey ?? null,
  });
  return JSON.parse(JSON.stringify(variables)) as Record<string, unknown>;
}

/** The REST path of `route` for these path parameters. */
export function routePath(route: RestRoute, params: Record<string, string>): string {
  return route.path.replace(/\{(\w+)\}/g, (_match, name: string) => encodeURIComponent(params[name]));
}

/** Throws unless the bench's token holds every scope the measured routes and the data they need ask for. */
export function requireScopes(scopes: string[], needed: string[], what: string): void {
  const missing = needed.filter((scope) => !scopes.includes(scope));
  if (missing.length) throw new Error(`${what} needs a token with ${missing.join(', ')}; it has ${scopes.join(' ')}`);
}

/**
 * A read of `route` both ways, REST (GET `restPath`) and its operation at /graphql (`graphqlBody`): the GraphQL
 * answer, mapped as the route maps it, must be the REST body field for field (`what` names the resource in errors).
 */
export async function readBothWays(
  pool: Pool,
  token: string,
  route: RestRoute,
  restPath: string,
  graphqlBody: string,
  what: string,
): Promise<{ restAnswer: Answer; graphqlAnswer: Answer; rest: Record<string, unknown> }> {
  const restAnswer = await call(pool, route.method.toUpperCase(), restPath, token);
  const graphqlAnswer = await call(pool, 'POST', '/graphql', token, graphqlBody);
  const rest = restBody(restAnswer, route.response.status);
  const mapped = route.respond(graphqlData(graphqlAnswer));
  if (!mapped || mapped.status !== route.response.status || canonical(mapped.body) !== canonical(rest)) {
    throw new Error(`${what}: REST ${JSON.stringify(rest)} but GraphQL maps to ${JSON.stringify(mapped)}`);
  }
  return { restAnswer, graphqlAnswer, rest };
}

/** Orders the read pair cycles through. */
const READ_ORDERS = 4;

/** The order read: GET /pos/v1/orders/{id} against the route's `RestGetOrder` query, over the same orders. */
export async function orderReadPair(pool: Pool, token: string): Promise<Pair> {
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
    const read = await readBothWays(pool, token, route, paths[i], bodies[i], `order ${id}`);
    if (!(read.rest.level3 as { line_items?: unknown[] } | null)?.line_items?.length || read.rest.external_id == null) {
      throw new Error(`order ${id} came back without its Level 3 lines or external id: ${read.restAnswer.text}`);
    }
    bytes.rest = Buffer.byteLength(read.restAnswer.text);
    bytes.graphql = Buffer.byteLength(read.graphqlAnswer.text);
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

/** The body every request of the create pair sends; no Idempotency-Key, so each request opens a new order. */
const CREATE_BODY = { location_id: 1, currency: 'USD', total_cents: 2500, external_reference: 'PO-1' };

/** The order creation: POST /pos/v1/orders against the route's `RestCreateOrder` mutation, same order data. */
export async function createOrderPair(pool: Pool, token: string): Promise<Pair> {
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
