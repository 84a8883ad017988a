/**
 * Requests to the gateway as every part sends them (one undici Pool, a Bearer token or the loyalty API's key),
 * the checks of their answers, and JSON compared regardless of key order.
 */
import { API_KEY_HEADER } from '@pos/gateway/src/auth/api-keys';
import { Pool } from 'undici';
import { CONNECTIONS } from './settings';
import type { System } from './system';

export interface GraphQLResponse<T> {
  data?: T;
  errors?: unknown[];
}

/** JSON with object keys sorted, to compare two results regardless of key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** An undici Pool of `connections` to `url` (its origin), kept alive between runs; destroyed when the bench stops. */
export function benchPool(sys: Pick<System, 'clients'>, url: string, connections = CONNECTIONS): Pool {
  const pool = new Pool(url, { connections, keepAliveTimeout: 60_000 });
  sys.clients.push(pool);
  return pool;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** The loyalty API's credential: an `X-Api-Key` instead of a Bearer token (a request may not carry both). */
export interface ApiKey {
  apiKey: string;
}

/** One request to the gateway, as both sides of a pair send it: same pool, same token (or API key). */
export async function call(
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
    method: method,
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
export function restBody(answer: Answer, status: number): Record<string, unknown> {
  if (answer.status !== status) {
    throw new Error(`REST answered HTTP ${answer.status} (expected ${status}): ${answer.text.slice(0, 300)}`);
  }
  return parseJson(answer, 'REST') as Record<string, unknown>;
}

/** The GraphQL data, or an error unless the status is 200 and there are data and no errors. */
export function graphqlData(answer: Answer): Record<string, unknown> {
  const json = parseJson(answer, 'GraphQL') as GraphQLResponse<Record<string, unknown>>;
  if (answer.status !== 200 || json.errors?.length || !json.data) {
    throw new Error(`GraphQL answered HTTP ${answer.status}: ${answer.text.slice(0, 300)}`);
  }
  return json.data;
}

/** An operation sent to the gateway's /graphql for the bench's setup; its data, or an error as `graphqlData`. */
export async function postGraphql(
  pool: Pool,
  token: string | ApiKey,
  query: string,
  variables: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  return graphqlData(await call(pool, 'POST', '/graphql', token, JSON.stringify({ query, variables })));
}
