import type { Stack } from './stack';

export interface RestCallOptions {
  /** The bearer token; null sends none; default: the client's default token. */
  token?: string | null;
  body?: unknown;
  /** A raw body, sent as is with content-type application/json. */
  raw?: string;
  headers?: Record<string, string>;
}

export interface RestAnswer {
  status: number;
  body: any;
  headers: Headers;
}

/**
 * Calls the gateway's REST facade as a partner would, over real HTTP; JSON in, JSON out. Takes getters, so a
 * suite can make its client before `beforeAll` has started the stack and fetched the token.
 */
export const restClient =
  (stack: () => Stack, defaultToken: () => string) =>
  async (method: 'GET' | 'POST', path: string, options: RestCallOptions = {}): Promise<RestAnswer> => {
    const token = options.token === undefined ? defaultToken() : options.token;
    const response = await fetch(`${stack().origin}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(options.body !== undefined || options.raw !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    return { status: response.status, body: (await response.json()) as any, headers: response.headers };
  };

/** Counts the rows of a table in the database of the service that owns its schema. */
/** What a partner API (v1) error answer must be: its status and code, a timestamp, a message and details. */
export const v1ErrorBody = (status: number, code: string) => ({
  status,
  code,
  timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
  message: expect.any(String),
  details: expect.any(Array),
});

export async function countRows(stack: Stack, table: string, where = 'true', params: unknown[] = []): Promise<number> {
  const service = table.split('.')[0];
  const [row] = await stack.subgraphs[service].orm.em
    .fork()
    .getConnection()
    .execute<{ n: number }[]>(`select count(*)::int as n from ${table} where ${where}`, params);
  return row.n;
}

/**
 * The calls the partner API v1 suites share, as the demo partner unless a token is given: the REST client, row
 * counts, an order created (201 asserted), a payment of an order, and the shape of an error body.
 */
export function partnerApi(stack: () => Stack, demoToken: () => string) {
  const call = restClient(stack, demoToken);
  const count = (table: 'orders.order' | 'payments.payment' | 'payments.refund') => countRows(stack(), table);
  const createOrder = async (body: Record<string, unknown> = {}, token = demoToken()) => {
    const created = await call('POST', '/pos/v1/orders', {
      token,
      body: { location_id: 1, currency: 'USD', total_cents: 5000, ...body },
    });
    expect(created.status).toBe(201);
    return created.body;
  };
  const pay = (
    orderId: string,
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
    token = demoToken(),
  ) =>
    call('POST', `/pos/v1/orders/${orderId}/payments`, {
      token,
      headers,
      body: { currency: 'USD', card_token: 'tok_visa', ...body },
    });
  return { call, count, createOrder, pay, errorBody: v1ErrorBody };
}
