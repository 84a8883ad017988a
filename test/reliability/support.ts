import fs from 'node:fs';
import path from 'node:path';
import { KeyStore } from '@pos/gateway/src/auth/keys';
import { HOSTED_CHECKOUT_PATH } from '@pos/gateway/src/hosted-checkout';
import type { RestRoute } from '@pos/gateway/src/rest/route';
import { routes } from '@pos/gateway/src/rest/routes';
import { credentialRouteDocs } from '@pos/gateway/src/rest/v1/credentials';
import { LAUNCH_EXCHANGE_PATH, launchRouteDocs } from '@pos/gateway/src/rest/v1/launch';
import { ALL_SCOPES, DEMO } from '@pos/kit';
import { SignJWT, decodeJwt } from 'jose';
import { request } from 'undici';
import { payOrder } from '../support/payments';
import { portalHeaders, portalSignIn } from '../support/portal';
import { type Stack, TEST_ISSUER, startStack } from '../support/stack';

/**
 * Shared plumbing of the reliability suites (bad input, tenancy): the stack they run on, every REST endpoint the
 * gateway serves (from the route table, the launch routes and the hosted checkout's public pages), the demo
 * tenant's fixtures, a cheap checksum of every table, what counts as leaked internal text, and the case counts.
 */

/** fast-check runs per REST endpoint and per GraphQL mutation; `FC_RUNS=200 pnpm jest test/reliability` for more. */
export const FC_RUNS = Math.max(1, Number(process.env.FC_RUNS ?? 30));
/** A fixed seed unless FC_SEED says otherwise, so a failure reproduces; the seed is printed with the counts. */
export const FC_SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 20261121;

/**
 * The stack with the webhook worker off: a delivery attempt in the background would change
 * `payments.webhook_delivery` between two snapshots and pass for a state change made by a rejected request. Without
 * the bound on wrong API keys per address: these suites send hundreds of wrong keys from one address on purpose,
 * and each must get the answer of its own key, not the address's 429 (test/e2e/api-key-failures.test.ts covers it).
 */
export const startReliabilityStack = () =>
  startStack({ subgraphEnv: { WEBHOOK_WORKER: 'off' }, gatewayEnv: { API_KEY_FAILURES_PER_ADDRESS: '0' } });

// ---------------------------------------------------------------------------------------------------------------
// The REST endpoints

/** `person`: the portal's session cookie only (managing API clients is a signed-in person's alone). */
export type EndpointAuth = 'bearer' | 'apiKey' | 'public' | 'person';

export interface Endpoint {
  /** `POST /pos/v1/orders`: method and OpenAPI path. */
  key: string;
  method: 'GET' | 'POST';
  path: string;
  auth: EndpointAuth;
  /** The scope the credential must hold; null for the public pages. */
  scope: string | null;
  /** What the endpoint reads: JSON, a browser's form post, or nothing (GET). */
  body: 'json' | 'form' | 'none';
  /** The route table's entry, for its zod schemas. */
  route?: RestRoute;
  /** Where it comes from. */
  source: 'route table' | 'launch links' | 'hosted checkout' | 'partner credentials';
}

const keyOf = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

/**
 * Every REST endpoint: the route table (so a new route is covered without touching these tests), the two launch
 * routes mounted beside it, and the hosted checkout's three public pages. `openApiOperations` checks this list
 * against the OpenAPI document the gateway serves, so a path added elsewhere cannot be missed either.
 */
export function allEndpoints(): Endpoint[] {
  const table = routes.map<Endpoint>((route) => ({
    key: keyOf(route.method, route.path),
    method: route.method.toUpperCase() as Endpoint['method'],
    path: route.path,
    auth: route.auth ?? 'bearer',
    scope: route.scope,
    body: route.body ? 'json' : 'none',
    route,
    source: 'route table',
  }));
  const launch = launchRouteDocs.map<Endpoint>((doc) => ({
    key: keyOf(doc.method, doc.path),
    method: doc.method.toUpperCase() as Endpoint['method'],
    path: doc.path,
    auth: doc.path === LAUNCH_EXCHANGE_PATH ? 'public' : 'bearer',
    scope: doc.scope ?? null,
    body: 'json',
    source: 'launch links',
  }));
  const pages: Array<Pick<Endpoint, 'method' | 'path' | 'body'>> = [
    { method: 'GET', path: HOSTED_CHECKOUT_PATH, body: 'none' },
    { method: 'POST', path: `${HOSTED_CHECKOUT_PATH}/pay`, body: 'form' },
    { method: 'POST', path: `${HOSTED_CHECKOUT_PATH}/cancel`, body: 'form' },
  ];
  const checkout = pages.map<Endpoint>((e) => ({
    ...e,
    key: keyOf(e.method, e.path),
    auth: 'public',
    scope: null,
    source: 'hosted checkout',
  }));
  const credentials = credentialRouteDocs.map<Endpoint>((doc) => ({
    key: keyOf(doc.method, doc.path),
    method: doc.method.toUpperCase() as Endpoint['method'],
    path: doc.path,
    auth: doc.security?.some((requirement) => 'oauth2' in requirement) ? 'bearer' : 'person',
    scope: doc.scope ?? null,
    body: doc.body ? 'json' : 'none',
    source: 'partner credentials',
  }));
  return [...table, ...launch, ...checkout, ...credentials];
}

/**
 * The operations of the OpenAPI document the gateway serves, as `METHOD /path` keys, each marked public when the
 * document gives it no security requirement (`security: []`).
 */
export async function openApiOperations(stack: Stack): Promise<Array<{ key: string; public: boolean }>> {
  const response = await fetch(`${stack.origin}/pos/v1/.well-known/openapi.json`);
  const document = (await response.json()) as {
    paths: Record<string, Record<string, { security?: unknown[] }>>;
  };
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => ({
        key: keyOf(method, path),
        public: Array.isArray(operation.security) && operation.security.length === 0,
      })),
  );
}

/** The path with its `{params}` filled in (each URI-encoded). */
export const fillPath = (template: string, params: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (params[name] === undefined) throw new Error(`no value for {${name}} in ${template}`);
    return encodeURIComponent(params[name]);
  });

export const pathParamsOf = (template: string) => [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);

// ---------------------------------------------------------------------------------------------------------------
// HTTP

export interface Sent {
  method: 'GET' | 'POST';
  /** Path and query, already encoded. */
  url: string;
  /** Header pairs in order; a name may repeat (sent as separate header lines). */
  headers: Array<[string, string]>;
  body?: string;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One request over real HTTP with undici's `request`, which (unlike fetch) sends repeated headers and GET bodies. */
export async function send(stack: Stack, sent: Sent): Promise<Answer> {
  const response = await request(`${stack.origin}${sent.url}`, {
    method: sent.method,
    headers: sent.headers.flat(),
    body: sent.body,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

// ---------------------------------------------------------------------------------------------------------------
// What must never reach a caller

/**
 * Internal text: a stack frame, an exception class, SQL or a database message, a file path. The generators never
 * produce input that matches these, so an answer echoing the caller's own input cannot pass for a leak.
 */
export const LEAK_PATTERNS: ReadonlyArray<[string, RegExp]> = [
  ['stack frame', /\bat (?:async )?[\w$.<>[\]]+ \(|\bat (?:file:\/\/)?\/[\w./-]+:\d+|\.(?:ts|js|mjs|cjs):\d+:\d+/],
  ['exception text', /\b\w*Error:|\b(?:TypeError|ReferenceError|SyntaxError|RangeError)\b|\bstack\b.*\bat\b/],
  ['SQL', /\bselect\s[\s\S]{0,200}?\bfrom\s|\binsert\s+into\b|\bupdate\s+\S+\s+set\s|\bdelete\s+from\b/i],
  [
    'database message',
    /\bviolates\b|duplicate key value|syntax error at or near|\brelation "|\bcolumn "|invalid input syntax for/i,
  ],
  ['ORM or driver', /MikroORM|DriverException|\bknex\b|\bpg-protocol\b|QueryFailedError/],
  ['file path', /\/work\/|node_modules|\/src\/[\w/-]+\.[jt]s/],
  ['internals', /\bundefined is not\b|Cannot read propert|is not a function|\[object Object\]/],
];

/** The first kind of internal text in `text`, or null. */
export function leakIn(text: string): string | null {
  for (const [what, pattern] of LEAK_PATTERNS) {
    const match = pattern.exec(text);
    if (match) return `${what}: …${text.slice(Math.max(0, match.index - 60), match.index + 80)}…`;
  }
  return null;
}

/** Whether generated input could itself look like a leak once echoed (such input is filtered out). */
export const looksLikeLeak = (value: unknown) => {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  let decoded = text;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    // not URI-encoded
  }
  return leakIn(text) !== null || leakIn(decoded) !== null;
};

// ---------------------------------------------------------------------------------------------------------------
// State: a checksum of every table

export type TableSums = Record<string, string>;

/**
 * A checksum of every table of every service (row count and an md5 of all its rows, in a stable order): all services
 * share the test database. Tables are found in the catalogue, so a new one is covered.
 *
 * The first call sums every table. Hashing every row of some fifty tables after each of the suites' thousands of
 * cases was most of their time, so each later call re-sums only the tables written since the call before and keeps
 * the previous sums of the rest: a statement trigger on every table (insert, update, delete, truncate, whichever
 * service or connection runs it) notes the table's name in `test_watch.written`, outside the services' schemas. A
 * table with no statement against it cannot have changed, so the sums are those a full pass would give. A statement
 * that changed nothing marks its table too, which only costs that table's sum. The notes are appended (no unique key),
 * so concurrent writers never wait on one another, and a write committed after a call's read is noted for the next.
 */
export async function tableChecksums(stack: Stack): Promise<() => Promise<TableSums>> {
  const connection = () => stack.subgraphs.orders.orm.em.fork().getConnection();
  const tables = await connection().execute<{ schema: string; name: string }[]>(
    `select table_schema as schema, table_name as name from information_schema.tables
     where table_schema in ('identity', 'orders', 'checks', 'payments', 'loyalty') and table_type = 'BASE TABLE'
       and table_name not like 'mikro_orm%'
     order by 1, 2`,
  );
  if (tables.length < 20) throw new Error(`expected the services' tables, found ${tables.length}`);
  const sumOf = ({ schema, name }: { schema: string; name: string }) =>
    `select '${schema}.${name}' as t, count(*)::int as n, ` +
    `md5(coalesce(string_agg(x::text, E'\\n' order by x::text), '')) as h from "${schema}"."${name}" x`;
  const byName = new Map(tables.map((table) => [`${table.schema}.${table.name}`, table]));
  await connection().execute(
    `create schema test_watch;
     create table test_watch.written (t text not null);
     create function test_watch.note() returns trigger language plpgsql as $body$
       begin insert into test_watch.written values (tg_table_schema || '.' || tg_table_name); return null; end $body$;
     ${tables
       .map(
         ({ schema, name }) =>
           `create trigger test_watch_written after insert or update or delete or truncate on "${schema}"."${name}"
            for each statement execute function test_watch.note();`,
       )
       .join('\n')}`,
  );
  const sum = async (which: Array<{ schema: string; name: string }>) => {
    if (!which.length) return {};
    const rows = await connection().execute<{ t: string; n: number; h: string }[]>(
      which.map(sumOf).join(' union all '),
    );
    return Object.fromEntries(rows.map((r) => [r.t, `${r.n}:${r.h}`]));
  };
  let last: TableSums | null = null;
  return async () => {
    // Read (and clear) the notes before summing: a write after this is noted again and summed next time.
    const written = await connection().execute<{ t: string }[]>(
      `with taken as (delete from test_watch.written returning t) select distinct t from taken`,
    );
    const which = last ? written.map((w) => byName.get(w.t)).filter((t) => t !== undefined) : tables;
    last = { ...last, ...(await sum(which)) };
    return last;
  };
}

/** The tables whose checksum differs. */
export const changedTables = (before: TableSums, after: TableSums) =>
  Object.keys({ ...before, ...after }).filter((table) => before[table] !== after[table]);

// ---------------------------------------------------------------------------------------------------------------
// Credentials

export const DEMO_LOYALTY_KEY = 'demo-loyalty-standard';
export const OTHER_ORG_LOYALTY_KEY = 'demo-loyalty-balanced';
export const CUSTOMER_DASHBOARD_KEY = 'demo-customer-482193';

export interface Tokens {
  /** demo-partner with every partner scope. */
  demo: string;
  /** other-partner with every partner scope: the other tenant. */
  other: string;
  /** The operators' client (tilt/admin:webhooks only). */
  operator: string;
  /** Portal sessions (cookie and the portal's Origin) of demo's admin, the other partner's admin and the operator. */
  people: { demo: Array<[string, string]>; other: Array<[string, string]>; operator: Array<[string, string]> };
  /** demo-partner with every scope but these (one token per set, kept: each costs the token endpoint a scrypt). */
  without(...scopes: string[]): Promise<string>;
  /** A demo-partner token with every scope whose `exp` passed two minutes ago, signed with the issuer's own key. */
  expired: string;
  /** Valid tokens changed after signing: a flipped signature byte, claims edited without re-signing, alg none. */
  tampered: Array<{ name: string; token: string }>;
}

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function makeTokens(stack: Stack): Promise<Tokens> {
  const keys = await KeyStore.load(stack.gateway.orm.em.fork(), stack.keyEncryptionKey);
  const demo = await stack.token();
  const other = await stack.token('other-partner', 'other-secret');
  const operator = await stack.token('demo-operator', 'demo-operator-secret');
  const now = Math.floor(Date.now() / 1000);
  const expired = await new SignJWT({ client_id: 'demo-partner', token_use: 'access', scope: ALL_SCOPES.join(' ') })
    .setProtectedHeader({ alg: 'RS256', kid: keys.active.kid })
    .setIssuer(TEST_ISSUER)
    .setSubject('demo-partner')
    .setIssuedAt(now - 3720)
    .setExpirationTime(now - 120)
    .sign(keys.active.privateKey);
  const [header, payload, signature] = demo.split('.');
  const flipped = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
  const claims = decodeJwt(demo);
  const scoped = await stack.token('other-partner', 'other-secret', 'tilt/pos:launch');
  const tampered = [
    { name: 'a flipped signature byte', token: `${header}.${payload}.${flipped(signature, 10)}` },
    { name: 'the signature cut short', token: `${header}.${payload}.${signature.slice(0, -8)}` },
    // other-partner's token claiming to be demo-partner: a real signature, over other claims.
    {
      name: 'client_id changed to another partner without re-signing',
      token: `${scoped.split('.')[0]}.${b64url({ ...decodeJwt(scoped), client_id: 'demo-partner', sub: 'demo-partner', scope: ALL_SCOPES.join(' ') })}.${scoped.split('.')[2]}`,
    },
    {
      name: 'exp pushed forward without re-signing',
      token: `${header}.${b64url({ ...claims, exp: now + 86_400 })}.${signature}`,
    },
    {
      name: 'alg none',
      token: `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`,
    },
  ];
  const narrowed = new Map<string, Promise<string>>();
  const without = (...scopes: string[]) => {
    const key = [...scopes].sort().join(' ');
    if (!narrowed.has(key)) {
      const held = ALL_SCOPES.filter((s) => !scopes.includes(s));
      narrowed.set(key, stack.token('demo-partner', 'demo-secret', held.join(' ')));
    }
    return narrowed.get(key)!;
  };
  // People sign in through the portal's real trip; their session cookie counts only with the portal's Origin.
  const person = async (email: string, password: string): Promise<Array<[string, string]>> =>
    Object.entries<string>(portalHeaders(stack, await portalSignIn(stack, email, password)));
  const people = {
    demo: await person('admin@demo.example', 'demo-admin-password'),
    other: await person('admin@other.example', 'other-admin-password'),
    operator: await person('ops@tilt.example', 'demo-ops-password'),
  };
  return { demo, other, operator, people, expired, tampered, without };
}

// ---------------------------------------------------------------------------------------------------------------
// Fixtures

/** The demo partner's standard loyalty program (its POS key is DEMO_LOYALTY_KEY). */
export const DEMO_STANDARD_PROGRAM = DEMO.loyaltyOrgs.find((org) => org.apiKey === 'demo-loyalty-standard')!.id;

export interface Fixtures {
  /** An open order of demo at location 1, with external ids and a hosted checkout. */
  order: { id: string };
  /** Another open order of demo with a hosted checkout, for its public pages: the order and the link's token. */
  checkout: { orderId: string; token: string };
  /** A paid order of demo, whose approved payment can be refunded. */
  paid: { orderId: string; paymentId: string };
  /** Another paid order of demo, whose approved payment can be voided. */
  voidable: { orderId: string; paymentId: string };
  /** A demo check (open, unpaid, unlocked) at location 1, by id and posRef, with one of its items and taxes. */
  check: { id: string; posRef: string; locationId: string; itemId: string; taxName: string };
  /** Another open demo check at location 1, for paying (the first one's mutations may close it). */
  check2: { posRef: string };
  /** A webhook endpoint of demo and one delivery of it (pending: the worker is off). */
  webhook: { endpointId: string; deliveryId: string };
  /** A demo loyalty customer of the standard org, a coupon of it and one of its transactions. */
  loyalty: { code: string; couponToken: string; transactionId: string };
  /** A fresh launch token of demo for location 1 (the launch-exchange's body). */
  launchToken: string;
  /** Demo's own API client, its standard loyalty program, and a POS key of that program. */
  credentials: { apiClientId: string; programId: string; posKeyId: string };
  /** The other tenant's order and payment, and its location. */
  other: { orderId: string; paymentId: string; locationId: string };
  /** Every demo id and text above, which no answer to the other tenant may contain. */
  demoSecrets: string[];
}

async function graphqlData(stack: Stack, token: string, query: string, variables: Record<string, unknown> = {}) {
  const { body } = await stack.graphql(query, variables, token);
  if (body.errors) throw new Error(`fixture query failed: ${JSON.stringify(body.errors)}`);
  return body.data as any;
}

async function restJson(
  stack: Stack,
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string>,
  body?: unknown,
) {
  const response = await fetch(`${stack.origin}${url}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json()) as any;
  if (response.status >= 300) throw new Error(`fixture ${method} ${url}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

export async function makeFixtures(stack: Stack, tokens: Tokens): Promise<Fixtures> {
  const demo = { authorization: `Bearer ${tokens.demo}` };
  const created = await restJson(stack, 'POST', '/pos/v1/orders', demo, {
    location_id: 1,
    currency: 'USD',
    total_cents: 4321,
    external_reference: 'DEMO-SECRET-REF',
    external_source: 'erp',
    external_id: 'demo-secret-ext-1',
    return_url: 'http://localhost/shop/done',
    cancel_url: 'http://localhost/shop/cancel',
  });
  const checkoutOrder = await restJson(stack, 'POST', '/pos/v1/orders', demo, {
    location_id: 1,
    currency: 'USD',
    total_cents: 1999,
    return_url: 'http://localhost/shop/done',
    cancel_url: 'http://localhost/shop/cancel',
  });
  const endpoint = await restJson(stack, 'POST', '/pos/v1/webhook-endpoints', demo, {
    url: 'http://127.0.0.1:9/demo-secret-hook',
    description: 'demo secret endpoint',
  });
  // After the endpoint: this payment's event queues a delivery to it.
  const paid = await payOrder(stack, tokens.demo, { amountCents: 2500 });
  const voidable = await payOrder(stack, tokens.demo, { amountCents: 1700, locationId: '2' });
  const [delivery] = await stack.subgraphs.payments.orm.em
    .fork()
    .getConnection()
    .execute<{ id: string }[]>('select id from payments.webhook_delivery where endpoint_id = ? limit 1', [endpoint.id]);
  if (!delivery) throw new Error('no webhook delivery was queued for the fixture endpoint');

  const checks = await graphqlData(
    stack,
    tokens.demo,
    '{ location(id: "1") { checks(first: 100) { nodes { id posRef items { id } taxList { name } } } } }',
  );
  type GqlCheck = { id: string; posRef: string; items: Array<{ id: string }>; taxList: Array<{ name: string }> };
  const check = (checks.location.checks.nodes as GqlCheck[]).find((c) => c.posRef === '1-101')!;
  const { order: checkoutOf } = await graphqlData(
    stack,
    tokens.demo,
    'query($id: ID!) { order(id: $id) { hostedCheckout { id } } }',
    {
      id: checkoutOrder.id,
    },
  );

  const loyaltyKey = { 'x-api-key': DEMO_LOYALTY_KEY };
  const earned = await restJson(stack, 'POST', '/webhook/pos', loyaltyKey, {
    customer_code: 482195,
    amount: 5,
    card_type: 'stamp',
    external_id: 'reliability-coupon',
  });
  const customer = await graphqlData(
    stack,
    tokens.demo,
    'query($code: String!) { loyaltyCustomer(code: $code) { transactions(first: 1) { nodes { id } } } }',
    { code: '482195' },
  );
  const launch = await restJson(stack, 'POST', '/pos/v1/launch-tokens', demo, {
    location_id: 1,
    email: 'reliability@demo.example',
  });
  const other = await payOrder(stack, tokens.other, { amountCents: 1200, locationId: '3' });
  // Demo's own API client and loyalty POS key, made as a partner's admin makes them.
  const headersOf = (pairs: Array<[string, string]>) => Object.fromEntries(pairs);
  const apiClient = await restJson(stack, 'POST', '/pos/v1/api-clients', headersOf(tokens.people.demo), {
    name: 'Demo secret integration',
    scopes: ['tilt/pos:read'],
  });
  const posKey = await restJson(stack, 'POST', `/pos/v1/loyalty-programs/${DEMO_STANDARD_PROGRAM}/pos-keys`, demo, {
    label: 'Demo secret till',
  });
  const demoSecrets = [
    created.id,
    created.number,
    'DEMO-SECRET-REF',
    'demo-secret-ext-1',
    paid.orderId,
    paid.paymentId,
    paid.orderNumber,
    voidable.orderId,
    voidable.paymentId,
    checkoutOrder.id,
    check.id,
    check.items[0].id,
    checkoutOf.hostedCheckout.id,
    'Demo Bistro',
    endpoint.id,
    'demo-secret-hook',
    'demo secret endpoint',
    delivery.id,
    earned.data.coupon.qr_token,
    customer.loyaltyCustomer.transactions.nodes[0].id,
    apiClient.client_id,
    'Demo secret integration',
    posKey.id,
    'Demo secret till',
  ];
  return {
    credentials: { apiClientId: apiClient.client_id, programId: DEMO_STANDARD_PROGRAM, posKeyId: posKey.id },
    order: { id: created.id },
    checkout: {
      orderId: checkoutOrder.id,
      token: new URL(checkoutOrder.hosted_checkout_url).searchParams.get('token')!,
    },
    paid: { orderId: paid.orderId, paymentId: paid.paymentId },
    voidable: { orderId: voidable.orderId, paymentId: voidable.paymentId },
    check: {
      id: check.id,
      posRef: check.posRef,
      locationId: '1',
      itemId: check.items[0].id,
      taxName: check.taxList[0].name,
    },
    check2: { posRef: '1-102' },
    webhook: { endpointId: endpoint.id, deliveryId: delivery.id },
    loyalty: {
      code: '482193',
      couponToken: earned.data.coupon.qr_token,
      transactionId: customer.loyaltyCustomer.transactions.nodes[0].id,
    },
    launchToken: launch.token,
    other: { orderId: other.orderId, paymentId: other.paymentId, locationId: '3' },
    demoSecrets,
  };
}

/** The demo ids and texts found in `text`. */
export const demoDataIn = (fixtures: Fixtures, text: string) => fixtures.demoSecrets.filter((s) => text.includes(s));

// ---------------------------------------------------------------------------------------------------------------
// Counting

export class CaseCounter {
  private readonly counts = new Map<string, number>();
  private readonly started = Date.now();

  add(name: string, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }

  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  get total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  /** Prints the counts and writes them to test-artifacts/reliability-<suite>.json. */
  report(suite: string, extra: Record<string, unknown> = {}): void {
    const byName = Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
    const seconds = (Date.now() - this.started) / 1000;
    const summary = { suite, total: this.total, seconds, fcRuns: FC_RUNS, fcSeed: FC_SEED, ...extra, cases: byName };
    const dir = path.join(__dirname, '..', '..', 'test-artifacts');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `reliability-${suite}.json`), `${JSON.stringify(summary, null, 2)}\n`);
    const lines = Object.entries(byName).map(([name, n]) => `  ${String(n).padStart(6)}  ${name}`);
    console.log(
      `reliability/${suite}: ${this.total} cases in ${seconds.toFixed(1)} s (FC_RUNS=${FC_RUNS}, seed ${FC_SEED})\n${lines.join('\n')}`,
    );
  }
}
