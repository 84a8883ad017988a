import { once } from 'node:events';
import { CheckoutTokens, HOSTED_CHECKOUT_PATH } from '@pos/gateway/src/hosted-checkout';
import { routes } from '@pos/gateway/src/rest/routes';
import { LAUNCH_EXCHANGE_PATH } from '@pos/gateway/src/rest/v1/launch';
import { OPERATOR_SCOPES, READ_SCOPES, SCOPES } from '@pos/kit';
import type { PaymentsRuntime } from '@pos/payments/src/context';
import {
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNamedType,
  isLeafType,
  isNonNullType,
  isObjectType,
} from 'graphql';
import WebSocket from 'ws';
import { payOrder } from '../support/payments';
import type { Stack } from '../support/stack';
import { type CheckoutPage, VALID, VALID_ARGS } from './requests';
import {
  CUSTOMER_DASHBOARD_KEY,
  CaseCounter,
  DEMO_LOYALTY_KEY,
  type Endpoint,
  type Fixtures,
  OTHER_ORG_LOYALTY_KEY,
  type TableSums,
  type Tokens,
  allEndpoints,
  changedTables,
  demoDataIn,
  fillPath,
  makeFixtures,
  makeTokens,
  openApiOperations,
  send,
  startReliabilityStack,
  tableChecksums,
} from './support';
import { until } from '@pos/testing';

/**
 * The tenancy matrix, generated from the route table and the API schema, so a new route or root field
 * is in it without a change here — and fails until someone says what it needs (a valid request in requests.ts, a
 * row in FIELDS below). Every REST endpoint and every Query, Mutation and Subscription root field is called with:
 *
 *  (a) no credential → 401 (GraphQL: HTTP 401, UNAUTHENTICATED; graphql-ws: close 4403);
 *  (b) an expired token → the same;
 *  (c) tampered tokens (a flipped signature byte, claims edited without re-signing, alg none) → the same;
 *  (d) a token without the needed scope → 403 (GraphQL: FORBIDDEN);
 *  (e) the other tenant's valid credentials (its M2M client, its POS user, the operators' client, another loyalty
 *      org's key, a loyalty customer's key) with demo's ids → 404 (or an empty list, or a refusal the route
 *      documents), never one byte of demo's data (support.ts demoSecrets), and nothing changed (table checksums);
 *  (f) API-key routes: no, unknown or altered keys → 401; a customer's key → 403; another org's key → the seed's
 *      `customer not found` / `coupon not found` (400).
 *
 * A control call with demo's own credential closes each row: it must reach the resource (neither 401, 403 nor
 * 404), so the refusals above are about the caller, not a wrong id. Public endpoints have their own rows
 * (PUBLIC_CASES); fields and routes where the generic expectation does not hold are listed with the reason.
 * Counts go to test-artifacts/reliability-tenancy.json.
 */

const bearer = (token: string): Array<[string, string]> => [['authorization', `Bearer ${token}`]];
/** A portal session's headers with its cookie's value replaced, or its Origin another site's. */
const forgeSession = ([name, value]: [string, string]): [string, string] =>
  name === 'cookie' ? [name, `pos_portal_session=${'A'.repeat(43)}`] : [name, value];
const fromOtherSite = ([name, value]: [string, string]): [string, string] =>
  name === 'origin' ? [name, 'https://evil.example'] : [name, value];
const apiKey = (key: string): Array<[string, string]> => [['x-api-key', key]];

interface Caller {
  name: string;
  headers: Array<[string, string]>;
}

/** Bad credentials: every one is a 401 on a Bearer route and UNAUTHENTICATED on /graphql. */
function badBearers(tokens: Tokens): Caller[] {
  return [
    { name: 'no credential', headers: [] },
    { name: 'an empty Bearer', headers: [['authorization', 'Bearer ']] },
    { name: 'a Basic credential', headers: [['authorization', 'Basic ZGVtby1wYXJ0bmVyOmRlbW8tc2VjcmV0']] },
    { name: 'an expired token', headers: bearer(tokens.expired) },
    ...tokens.tampered.map((t) => ({ name: `a tampered token (${t.name})`, headers: bearer(t.token) })),
  ];
}

/** Keys that are not keys: every one is a 401 on an API-key route. */
const BAD_KEYS: Caller[] = [
  { name: 'no key', headers: [] },
  { name: 'an unknown key', headers: apiKey('no-such-loyalty-key') },
  { name: 'a key with one character changed', headers: apiKey('demo-loyalty-standarD') },
  { name: 'a key cut short', headers: apiKey('demo-loyalty-standar') },
  { name: 'a key with a suffix', headers: apiKey('demo-loyalty-standard-x') },
  { name: 'a key too short to be one', headers: apiKey('short') },
];

// ---------------------------------------------------------------------------------------------------------------
// REST: what the other tenant gets where the generic 404 does not apply

/**
 * The answer a foreign caller's request with demo's ids gets, where it is not 404. A GET without path parameters
 * is a list (200, the caller's own rows); these are the rest, each with the reason.
 */
const REST_FOREIGN: Record<string, { statuses: number[]; why: string }> = {
  'POST /pos/v1/webhook-endpoints': {
    statuses: [201, 403],
    why: "names no resource: a partner's M2M client registers an endpoint of its own tenant (users and operators: 403)",
  },
  'POST /pos/v1/api-clients': {
    statuses: [201],
    why: "names no resource: the other partner's admin creates a client of its own partner",
  },
};

/**
 * The endpoints that take no Authorization or API key, each with why: the credential is in the request itself.
 * An endpoint without a credential that is not listed here fails the first test until someone decides.
 */
const PUBLIC_ENDPOINTS: Record<string, string> = {
  [`GET ${HOSTED_CHECKOUT_PATH}`]: "the customer's payment page: the signed link in its URL is the credential",
  [`POST ${HOSTED_CHECKOUT_PATH}/pay`]: "the page's form: the link token and the form's CSRF token are the credential",
  [`POST ${HOSTED_CHECKOUT_PATH}/cancel`]:
    "the page's form: the link token and the form's CSRF token are the credential",
  [`POST ${LAUNCH_EXCHANGE_PATH}`]:
    'the single-use launch token in the body is the credential (docs/partner-api.md, SSO launch links)',
};

/** GET routes whose answer to demo names demo's data, so the other tenant's 404 or list is not vacuous. */
const REST_SHOWS = new Set([
  'GET /pos/v1/locations',
  'GET /pos/v1/locations/{id}',
  'GET /pos/v1/orders/{id}',
  'GET /pos/v1/webhook-endpoints',
  'GET /pos/v1/webhook-endpoints/{id}',
  'GET /pos/v1/webhook-endpoints/{id}/deliveries',
]);

// ---------------------------------------------------------------------------------------------------------------
// GraphQL: one row per root field

type Scope = { any: string[] } | { none: string };

/** How a root field is called (its arguments are in requests.ts VALID_ARGS). */
interface FieldRow {
  /** The scope the field needs (any one of them), or why it needs none. */
  scope: Scope;
  /** Who the control calls as, when not demo-partner with every scope. */
  control?: 'customer key' | 'operator';
  /** The control's answer shows demo data, so a foreign caller's empty answer is a refusal, not an empty tenant. */
  shows?: boolean;
  /** Error codes a foreign caller may get besides NOT_FOUND and FORBIDDEN, and whether it may succeed. */
  foreign?: { codes?: string[]; succeeds?: string; operatorCrossesTenants?: string };
}

const pos = (scope: string): Scope => ({ any: [scope] });
/** A root read field: tilt/pos:read or the scope of an API that reads it (READ_SCOPES in the kit). */
const read = (scopes: readonly string[]): Scope => ({ any: [...scopes] });
/** The loyalty API's refusal of another org's (or partner's) customer or coupon: 400 `customer not found`. */
const LOYALTY_NOT_FOUND = { codes: ['CUSTOMER_NOT_FOUND', 'COUPON_NOT_FOUND', 'VALIDATION'] };

const FIELDS: Record<string, FieldRow> = {
  // Query
  check: { scope: read(READ_SCOPES.checks), shows: true },
  loyaltyCustomer: { scope: { any: [SCOPES.loyaltyPos, SCOPES.posRead] }, shows: true },
  loyaltyDashboard: { scope: { any: ['loyalty:customer'] }, control: 'customer key' },
  loyaltyPrograms: { scope: pos(SCOPES.loyaltyAdmin) },
  locations: { scope: read(READ_SCOPES.locations), shows: true },
  location: { scope: read(READ_SCOPES.location), shows: true },
  order: { scope: read(READ_SCOPES.orders), shows: true },
  orderByExternalId: { scope: read(READ_SCOPES.orders), shows: true },
  orders: { scope: read(READ_SCOPES.orders), shows: true },
  paymentEventsCursor: { scope: read(READ_SCOPES.paymentEvents) },
  paymentActivity: { scope: read(READ_SCOPES.paymentEvents) },
  payment: { scope: read(READ_SCOPES.payments), shows: true },
  payments: { scope: read(READ_SCOPES.payments), shows: true },
  webhookEndpoints: { scope: pos(SCOPES.webhooksSubscribe), shows: true },
  webhookEndpoint: { scope: pos(SCOPES.webhooksSubscribe), shows: true },
  webhookDeliveries: { scope: pos(SCOPES.webhooksSubscribe), shows: true },
  webhookDeadLetters: {
    scope: pos(OPERATOR_SCOPES.webhooksAdmin),
    control: 'operator',
    foreign: {
      operatorCrossesTenants: "the operators' dead-letter queue spans every partner (docs/webhooks.md, Endpoints)",
    },
  },
  // Mutation: checks
  openCheck: { scope: pos(SCOPES.posOrders) },
  addCheckItem: { scope: pos(SCOPES.posOrders) },
  removeCheckItem: { scope: pos(SCOPES.posOrders) },
  applyCheckTax: { scope: pos(SCOPES.posOrders) },
  removeCheckTax: { scope: pos(SCOPES.posOrders) },
  setSupplementalFee: { scope: pos(SCOPES.posOrders) },
  setGratuity: { scope: pos(SCOPES.posOrders) },
  lockCheck: { scope: pos(SCOPES.posOrders) },
  unlockCheck: { scope: pos(SCOPES.posOrders) },
  closeCheck: { scope: pos(SCOPES.posOrders) },
  // Mutation: loyalty. Another partner has no org with demo's customer: the seed's 400 `customer not found`.
  earnLoyalty: { scope: pos(SCOPES.loyaltyPos), foreign: LOYALTY_NOT_FOUND },
  redeemLoyalty: { scope: pos(SCOPES.loyaltyPos), foreign: LOYALTY_NOT_FOUND },
  redeemLoyaltyCoupon: { scope: pos(SCOPES.loyaltyPos), foreign: LOYALTY_NOT_FOUND },
  reverseLoyaltyTransaction: { scope: pos(SCOPES.loyaltyPos), foreign: LOYALTY_NOT_FOUND },
  // Mutation: orders and payments
  createOrder: { scope: pos(SCOPES.posOrders) },
  payCheck: { scope: pos(SCOPES.mobilePayments) },
  createPayment: { scope: pos(SCOPES.posPayments) },
  voidPayment: { scope: pos(SCOPES.posRefunds) },
  reversePayment: { scope: pos(SCOPES.posRefunds) },
  sandboxProcessorOutcome: { scope: pos(SCOPES.posPayments) },
  refundPayment: { scope: pos(SCOPES.posRefunds) },
  closeBatch: { scope: pos(SCOPES.posPayments) },
  // Mutation: webhooks
  createWebhookEndpoint: {
    scope: pos(SCOPES.webhooksSubscribe),
    foreign: { succeeds: 'names no resource: an M2M client registers an endpoint of its own tenant' },
  },
  updateWebhookEndpoint: { scope: pos(SCOPES.webhooksSubscribe) },
  updateLoyaltyProgram: { scope: pos(SCOPES.loyaltyAdmin) },
  rotateWebhookEndpointSecret: { scope: pos(SCOPES.webhooksSubscribe) },
  replayWebhookDelivery: {
    scope: { any: [SCOPES.webhooksSubscribe, OPERATOR_SCOPES.webhooksAdmin] },
    foreign: {
      codes: ['WEBHOOK_DELIVERY_NOT_DEAD'],
      operatorCrossesTenants:
        "operators replay any partner's dead letters (docs/webhooks.md, Endpoints); this one is not dead",
    },
  },
  // Subscription (over graphql-ws: paymentEvents has its own test below; loyaltyPinChallenges is a customer key's
  // own stream, test/e2e/loyalty-subscriptions.test.ts)
  paymentEvents: { scope: read(READ_SCOPES.paymentEvents) },
  loyaltyPinChallenges: { scope: { any: ['loyalty:customer'] }, control: 'customer key' },
};

/** A selection of every argument-free field of the type, and one level of the objects below it. */
function connectionNode(type: GraphQLOutputType): GraphQLOutputType {
  const connection = getNamedType(type);
  if (!isObjectType(connection)) throw new Error(`${connection.name} is not an object type`);
  return connection.getFields().nodes.type;
}

function selectionOf(type: GraphQLOutputType, depth = 1): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (!isObjectType(named)) return '{ __typename }';
  const parts = Object.values(named.getFields())
    .filter((f) => f.args.every((a) => !isNonNullType(a.type) || a.defaultValue !== undefined))
    .map((f) => {
      if (isLeafType(getNamedType(f.type))) return f.name;
      // A connection's nodes are what the list field used to return: select them at the level the list had.
      if (getNamedType(f.type).name.endsWith('Connection')) {
        return depth > 0
          ? `${f.name}(first: 2) { totalCount nodes ${selectionOf(connectionNode(f.type), depth - 1)} }`
          : null;
      }
      return depth > 0 ? `${f.name} ${selectionOf(f.type, depth - 1)}` : null;
    })
    .filter((part): part is string => part !== null);
  return `{ __typename ${parts.join(' ')} }`;
}

function documentOf(kind: 'query' | 'mutation' | 'subscription', field: GraphQLField<unknown, unknown>): string {
  const vars = field.args.map((a) => `$${a.name}: ${a.type}`).join(', ');
  const call = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
  return `${kind} Tenancy${vars ? `(${vars})` : ''} { ${field.name}${call ? `(${call})` : ''} ${selectionOf(field.type)} }`;
}

// ---------------------------------------------------------------------------------------------------------------

describe('tenancy matrix: every REST route, GraphQL root field and subscription', () => {
  let stack: Stack;
  let tokens: Tokens;
  let fx: Fixtures;
  let page: CheckoutPage;
  let schema: GraphQLSchema;
  let otherUser: string;
  let checksums: () => Promise<TableSums>;
  let baseline: TableSums | undefined;
  const counter = new CaseCounter();
  const endpoints = allEndpoints();
  const problems: string[] = [];

  beforeAll(async () => {
    stack = await startReliabilityStack();
    tokens = await makeTokens(stack);
    fx = await makeFixtures(stack, tokens);
    otherUser = await stack.userToken('cashier@other.example');
    const html = await (await fetch(`${stack.origin}${HOSTED_CHECKOUT_PATH}?token=${fx.checkout.token}`)).text();
    const hidden = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)![1];
    page = { nonce: hidden('nonce'), csrf: hidden('csrf') };
    schema = stack.gateway.subscriptions.apiGraphQLSchema;
    checksums = await tableChecksums(stack);
  });
  afterAll(async () => {
    counter.report('tenancy', {
      restEndpoints: endpoints.length,
      rootFields: schema ? rootFields().length : 0,
    });
    await stack?.close();
  });

  /** The foreign callers: the other tenant's M2M client and POS user, and the operators' own tenant. */
  const foreignBearers = (): Caller[] => [
    { name: "the other tenant's M2M client", headers: bearer(tokens.other) },
    { name: "the other tenant's POS user", headers: bearer(otherUser) },
    { name: "the operators' client (tenant tilt)", headers: bearer(tokens.operator) },
  ];
  const foreignKeys = (): Caller[] => [
    { name: "another loyalty org's key", headers: apiKey(OTHER_ORG_LOYALTY_KEY) },
    { name: "a loyalty customer's dashboard key", headers: apiKey(CUSTOMER_DASHBOARD_KEY) },
  ];

  /**
   * Sends one request and checks what every case shares: no demo data for a foreign caller, nothing changed when
   * it was refused. Returns the answer for the case's own expectation.
   */
  async function call(
    name: string,
    what: string,
    sent: Parameters<typeof send>[1],
    foreign: boolean,
    { checked = true } = {},
  ) {
    // Each call's checksums after are the next one's before: nothing else writes (the webhook worker is off). A
    // bad credential's call (refused before anything runs) is not checksummed itself: a change it made would
    // still show at the next checked call.
    const before = checked ? (baseline ?? (await checksums())) : {};
    const answer = await send(stack, sent);
    const after = checked ? await checksums() : {};
    if (checked) baseline = after;
    counter.add(name);
    const fail = (why: string) =>
      new Error(`${name} — ${what}: ${why}\n  answer: ${answer.status} ${answer.text.slice(0, 600)}`);
    if (answer.status >= 500) throw fail(`answered ${answer.status}`);
    // An id the caller itself sent may be echoed back (`no loyalty transaction <id>`): that tells it nothing.
    const asked = `${sent.url} ${sent.body ?? ''}`;
    const leaked = foreign ? demoDataIn(fx, answer.text).filter((secret) => !asked.includes(secret)) : [];
    if (leaked.length) throw fail(`demo's data in the answer: ${leaked.join(', ')}`);
    let body: any = null;
    try {
      body = JSON.parse(answer.text);
    } catch {
      // a hosted checkout page
    }
    const refused = answer.status >= 400 || (body?.errors?.length && !body?.data);
    const changed = changedTables(before, after);
    if (refused && changed.length) throw fail(`a refused request changed ${changed.join(', ')}`);
    return { answer, body, fail };
  }

  // -------------------------------------------------------------------------------------------------------------
  // REST

  it('enumerates every REST endpoint from the route table, the launch routes and the hosted checkout', async () => {
    expect(endpoints.filter((e) => e.source === 'route table')).toHaveLength(routes.length);
    const operations = await openApiOperations(stack);
    expect(endpoints.map((e) => e.key).sort()).toEqual(operations.map((o) => o.key).sort());
    // Public: no security requirement in the document, no credential checked here, and allowed by name (with why).
    const allowed = Object.keys(PUBLIC_ENDPOINTS).sort();
    expect(
      operations
        .filter((o) => o.public)
        .map((o) => o.key)
        .sort(),
    ).toEqual(allowed);
    expect(
      endpoints
        .filter((e) => e.auth === 'public')
        .map((e) => e.key)
        .sort(),
    ).toEqual(allowed);
    expect(Object.keys(PUBLIC_CASES).sort()).toEqual(allowed);
    expect(endpoints.filter((e) => !VALID[e.key]).map((e) => e.key)).toEqual([]);
  });

  function restRequest(endpoint: Endpoint, headers: Array<[string, string]>) {
    const valid = VALID[endpoint.key](fx, page);
    const query = new URLSearchParams(valid.query ?? {}).toString();
    const url = fillPath(endpoint.path, valid.params ?? {}) + (query ? `?${query}` : '');
    const body = endpoint.body === 'json' ? JSON.stringify(valid.body ?? {}) : undefined;
    return {
      method: endpoint.method,
      url,
      headers: [...headers, ...(body ? ([['content-type', 'application/json']] as Array<[string, string]>) : [])],
      body,
    };
  }

  const authenticated = allEndpoints().filter((e) => e.auth !== 'public');
  it.each(authenticated.map((e) => [e.key, e] as const))('%s', async (key, endpoint) => {
    const expectStatus = async (caller: Caller, statuses: number[], foreign = false) => {
      const { answer, fail } = await call(key, caller.name, restRequest(endpoint, caller.headers), foreign, {
        checked: statuses.some((status) => status !== 401),
      });
      if (!statuses.includes(answer.status)) throw fail(`expected ${statuses.join(' or ')}`);
      return answer;
    };
    const list = endpoint.method === 'GET' && !endpoint.path.includes('{');
    const foreignStatuses = REST_FOREIGN[key]?.statuses ?? (list ? [200] : [404]);

    if (endpoint.auth === 'person') {
      // Managing API clients is a signed-in person's alone: no token holds the scope, so every token is a 403.
      for (const caller of [
        { name: 'no credential', headers: [] },
        { name: 'a forged portal session', headers: tokens.people.demo.map(forgeSession) },
        { name: "demo's portal session from another site", headers: tokens.people.demo.map(fromOtherSite) },
      ]) {
        await expectStatus(caller, caller.name.includes('another site') ? [403] : [401]);
      }
      await expectStatus({ name: 'a token with every partner scope', headers: bearer(tokens.demo) }, [403]);
      await expectStatus({ name: "the other partner's admin", headers: tokens.people.other }, foreignStatuses, true);
      await expectStatus({ name: 'the operator', headers: tokens.people.operator }, [403], true);
    } else if (endpoint.auth === 'bearer') {
      // (a)–(c)
      for (const caller of badBearers(tokens)) await expectStatus(caller, [401]);
      await expectStatus({ name: 'an API key instead of a Bearer token', headers: apiKey(DEMO_LOYALTY_KEY) }, [401]);
      // (d)
      const without = await tokens.without(endpoint.scope!);
      await expectStatus({ name: `a token without ${endpoint.scope}`, headers: bearer(without) }, [403]);
      // (e): the other tenant's client is refused as 404 (or gets its own list); its POS user and the operators
      // may also be refused by scope first (403), never served demo's data.
      const [otherClient, ...others] = foreignBearers();
      await expectStatus(otherClient, foreignStatuses, true);
      for (const caller of others) await expectStatus(caller, [...foreignStatuses, 403], true);
    } else {
      // (f) API-key routes
      for (const caller of BAD_KEYS) await expectStatus(caller, [401]);
      await expectStatus({ name: 'a Bearer token instead of a key', headers: bearer(tokens.demo) }, [401]);
      await expectStatus({ name: 'a Bearer token of the other tenant', headers: bearer(tokens.other) }, [401]);
      await expectStatus(foreignKeys()[1], [403], true);
      // The seed's loyalty API answers another org's customer or coupon as not found with a 400, as its document says.
      const answer = await expectStatus(foreignKeys()[0], [400], true);
      const error = JSON.parse(answer.text).error;
      if (!['customer not found', 'coupon not found'].includes(error)) {
        throw new Error(`${key}: another org's key got ${answer.text}`);
      }
    }

    // The control: demo's own credential reaches the resource.
    const own =
      endpoint.auth === 'apiKey'
        ? apiKey(DEMO_LOYALTY_KEY)
        : endpoint.auth === 'person'
          ? tokens.people.demo
          : bearer(tokens.demo);
    const { answer } = await call(key, 'control (demo itself)', restRequest(endpoint, own), false);
    if ([401, 403, 404].includes(answer.status) || (REST_SHOWS.has(key) && !demoDataIn(fx, answer.text).length)) {
      throw new Error(`${key}: demo's own request answered ${answer.status}: ${answer.text.slice(0, 400)}`);
    }
  });

  // -------------------------------------------------------------------------------------------------------------
  // Public endpoints: the credential is in the request itself (a signed link, a launch token)

  /** Rows of the public endpoints, each a case where the credential in the request is bad or another tenant's. */
  const PUBLIC_CASES: Record<
    string,
    Array<{ name: string; sent(): Promise<Parameters<typeof send>[1]>; statuses: number[] }>
  > = {
    [`GET ${HOSTED_CHECKOUT_PATH}`]: [
      { name: 'no link token', sent: async () => page_(''), statuses: [400, 404] },
      {
        name: 'a link token with a flipped byte',
        sent: async () => page_(flip(fx.checkout.token)),
        statuses: [400, 404],
      },
      {
        name: "a genuine signature over another tenant's claim",
        sent: async () => page_(await otherTenantLink()),
        statuses: [400, 404, 410],
      },
    ],
    [`POST ${HOSTED_CHECKOUT_PATH}/pay`]: [
      {
        name: 'a link token with a flipped byte',
        sent: async () => form('pay', flip(fx.checkout.token)),
        statuses: [400, 403, 404],
      },
      {
        name: "a genuine signature over another tenant's claim",
        sent: async () => form('pay', await otherTenantLink()),
        statuses: [400, 403, 404, 410],
      },
    ],
    [`POST ${HOSTED_CHECKOUT_PATH}/cancel`]: [
      {
        name: 'a link token with a flipped byte',
        sent: async () => form('cancel', flip(fx.checkout.token)),
        statuses: [400, 403, 404],
      },
      {
        name: "a genuine signature over another tenant's claim",
        sent: async () => form('cancel', await otherTenantLink()),
        statuses: [400, 403, 404, 410],
      },
    ],
    [`POST ${LAUNCH_EXCHANGE_PATH}`]: [
      { name: 'a forged launch token', sent: async () => exchange({ token: `lt_${'A'.repeat(43)}` }), statuses: [401] },
      {
        name: 'a launch token with a flipped byte',
        sent: async () => exchange({ token: flip(fx.launchToken) }),
        statuses: [401],
      },
      {
        name: "demo's launch token at the other tenant's location",
        sent: async () => exchange({ token: fx.launchToken, location_id: 3 }),
        statuses: [422],
      },
    ],
  };
  function flip(token: string) {
    const at = Math.floor(token.length / 2);
    return token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
  }
  function page_(token: string) {
    return { method: 'GET' as const, url: `${HOSTED_CHECKOUT_PATH}?token=${encodeURIComponent(token)}`, headers: [] };
  }
  function form(action: 'pay' | 'cancel', token: string) {
    const fields = { token, ...page, card_token: 'tok_visa', cardholder_name: 'Mallory' };
    return {
      method: 'POST' as const,
      url: `${HOSTED_CHECKOUT_PATH}/${action}`,
      headers: [
        ['content-type', 'application/x-www-form-urlencoded'],
        ['origin', `http://localhost:${stack.gateway.port}`],
        ['sec-fetch-site', 'same-origin'],
      ] as Array<[string, string]>,
      body: new URLSearchParams(fields).toString(),
    };
  }
  function exchange(body: unknown) {
    return {
      method: 'POST' as const,
      url: LAUNCH_EXCHANGE_PATH,
      headers: [['content-type', 'application/json']] as Array<[string, string]>,
      body: JSON.stringify(body),
    };
  }
  /** demo's checkout, signed with the gateway's real link key, but claiming the other tenant: its order is not theirs. */
  async function otherTenantLink() {
    const claims = JSON.parse(Buffer.from(fx.checkout.token.split('.')[1], 'base64url').toString());
    return new CheckoutTokens(stack.keyEncryptionKey).mint({
      checkoutId: claims.jti,
      orderId: claims.sub,
      tenantId: 'other',
      locationId: claims.loc,
      amountCents: claims.amt,
      currency: claims.cur,
      issuedAt: new Date(claims.iat * 1000),
      expiresAt: new Date(claims.exp * 1000),
    });
  }

  it.each(Object.keys(PUBLIC_CASES).map((key) => [key] as const))('public: %s', async (key) => {
    for (const row of PUBLIC_CASES[key]) {
      const { answer, fail } = await call(key, row.name, await row.sent(), true);
      if (!row.statuses.includes(answer.status)) throw fail(`expected ${row.statuses.join(' or ')}`);
    }
  });

  // -------------------------------------------------------------------------------------------------------------
  // GraphQL over HTTP

  function rootFields() {
    return (['query', 'mutation', 'subscription'] as const).flatMap((kind) => {
      const type =
        kind === 'query'
          ? schema.getQueryType()
          : kind === 'mutation'
            ? schema.getMutationType()
            : schema.getSubscriptionType();
      return Object.values(type?.getFields() ?? {}).map((field) => ({ kind, field }));
    });
  }

  it('has a row and valid arguments for every Query, Mutation and Subscription root field of the API schema', () => {
    const names = rootFields()
      .map((f) => f.field.name)
      .sort();
    expect(names.length).toBeGreaterThan(35);
    expect(Object.keys(FIELDS).sort()).toEqual(names);
    expect(Object.keys(VALID_ARGS).sort()).toEqual(names);
  });

  const graphql = (query: string, variables: Record<string, unknown>, headers: Array<[string, string]>) => ({
    method: 'POST' as const,
    url: '/graphql',
    headers: [...headers, ['content-type', 'application/json']] as Array<[string, string]>,
    body: JSON.stringify({ query, variables }),
  });
  /** The top-level error codes, and the user error codes of a mutation's payload (its business refusals). */
  const codesOf = (body: any): string[] => [
    ...(body?.errors ?? []).map((e: any) => e.extensions?.code),
    ...Object.values(body?.data ?? {}).flatMap((payload: any) => (payload?.userErrors ?? []).map((e: any) => e.code)),
  ];

  // The fields come from the schema the running gateway serves, so one test walks them all; each row's cases are
  // counted under its name.
  it('every Query and Mutation root field, with every kind of caller', async () => {
    /** Runs one case; a failure is collected, so one run reports every row that fails. */
    const attempt = async (run: () => Promise<void>) => {
      try {
        await run();
      } catch (error) {
        problems.push((error as Error).message);
      }
    };
    for (const { kind, field } of rootFields().filter((f) => f.kind !== 'subscription')) {
      const row = FIELDS[field.name];
      const name = `${kind} ${field.name}`;
      const query = documentOf(kind, field);
      const variables = VALID_ARGS[field.name](fx);
      const value = (body: any) => body?.data?.[field.name];

      // (a)–(c): the same UNAUTHENTICATED for every field, before anything runs.
      for (const caller of [...badBearers(tokens), ...BAD_KEYS.filter((c) => c.headers.length)]) {
        await attempt(async () => {
          const { answer, body, fail } = await call(
            name,
            caller.name,
            graphql(query, variables, caller.headers),
            true,
            {
              checked: false,
            },
          );
          if (answer.status !== 401 || !codesOf(body).includes('UNAUTHENTICATED') || body?.data) {
            throw fail('expected HTTP 401 UNAUTHENTICATED and no data');
          }
        });
      }

      // (d): every scope the field accepts taken away.
      if ('any' in row.scope) {
        const held = row.scope.any;
        const narrowed = await tokens.without(...held);
        await attempt(async () => {
          const { body, fail } = await call(
            name,
            `a token without ${held.join(' / ')}`,
            graphql(query, variables, bearer(narrowed)),
            true,
          );
          if (!codesOf(body).includes('FORBIDDEN') || value(body) != null) throw fail('expected FORBIDDEN and no data');
        });
      }

      // (e): foreign callers with demo's ids.
      for (const caller of [...foreignBearers(), ...foreignKeys()]) {
        await attempt(async () => {
          const operator = caller.name.startsWith("the operators'");
          const { body, fail } = await call(
            name,
            caller.name,
            graphql(query, variables, caller.headers),
            !(operator && row.foreign?.operatorCrossesTenants),
          );
          const codes = codesOf(body);
          const allowed = ['NOT_FOUND', 'FORBIDDEN', ...(row.foreign?.codes ?? [])];
          const unexpected = codes.filter((code) => !allowed.includes(code));
          if (unexpected.length && !(operator && row.foreign?.operatorCrossesTenants)) {
            throw fail(`unexpected error codes ${unexpected.join(', ')}`);
          }
          if (
            kind === 'mutation' &&
            !codes.length &&
            !row.foreign?.succeeds &&
            !(operator && row.foreign?.operatorCrossesTenants)
          ) {
            throw fail('a foreign mutation on demo ids succeeded');
          }
        });
      }

      // The control: demo itself reaches its data (and a foreign caller's empty answer above means a refusal).
      const own =
        row.control === 'customer key'
          ? apiKey(CUSTOMER_DASHBOARD_KEY)
          : row.control === 'operator'
            ? bearer(tokens.operator)
            : bearer(tokens.demo);
      const { answer, body } = await call(name, 'control (demo itself)', graphql(query, variables, own), false);
      const rootErrors = (body?.errors ?? []).filter((e: any) => (e.path ?? []).length <= 1);
      const refusal = rootErrors.find((e: any) =>
        ['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND'].includes(e.extensions?.code),
      );
      if (answer.status >= 400 || refusal || (row.shows && !demoDataIn(fx, answer.text).length)) {
        problems.push(`${name}: control ${answer.status} ${answer.text.slice(0, 300)}`);
      }
    }
    expect(problems).toEqual([]);
  }, 180_000); // ~900 requests: 6-12 s here, several times that on a machine busy with other work

  // -------------------------------------------------------------------------------------------------------------
  // Subscriptions over graphql-ws

  interface WsSession {
    socket: WebSocket;
    messages: any[];
    acked: boolean;
    closeCode: Promise<number>;
  }

  async function wsConnect(authorization: string | null, init = true): Promise<WsSession> {
    const socket = new WebSocket(stack.gatewayUrl.replace('http', 'ws'), 'graphql-transport-ws');
    const messages: any[] = [];
    const closeCode = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString())));
    await once(socket, 'open');
    if (!init) return { socket, messages, acked: false, closeCode };
    socket.send(
      JSON.stringify({
        type: 'connection_init',
        payload: authorization === null ? {} : { Authorization: authorization },
      }),
    );
    const acked = await Promise.race([
      until(() => messages.some((m) => m.type === 'connection_ack'), 'connection_ack', 10_000).then(() => true),
      closeCode.then(() => false),
    ]);
    return { socket, messages, acked, closeCode };
  }

  const EVENTS = `subscription Tenancy($loc: [ID!], $after: String) {
    paymentEvents(locationIds: $loc, after: $after) {
      id type partnerId locationId payload { paymentId orderId amountCents } payment { id order { id number } }
    }
  }`;

  it('subscription paymentEvents: bad credentials are refused at connect; other tenants receive none of demo’s events', async () => {
    const name = 'subscription paymentEvents';
    // (a)–(c): refused at connection_init with 4403 Forbidden, before any subscribe.
    for (const caller of badBearers(tokens)) {
      const authorization = caller.headers[0]?.[1] ?? null;
      const session = await wsConnect(authorization);
      const code = await session.closeCode;
      counter.add(name);
      if (session.acked || code !== 4403)
        throw new Error(`${name} — ${caller.name}: acked ${session.acked}, close ${code}`);
    }
    // Subscribing without connection_init at all: 4401 Unauthorized.
    {
      const session = await wsConnect(null, false);
      session.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: EVENTS } }));
      const code = await session.closeCode;
      counter.add(name);
      if (code !== 4401) throw new Error(`${name} — subscribe before connection_init: close ${code}`);
    }

    // (d): a token without tilt/pos:read (demo's, narrowed; the operators' client) is refused at subscribe.
    for (const [who, token] of [
      ['a demo token without tilt/pos:read', await tokens.without(...READ_SCOPES.paymentEvents)],
      ["the operators' client", tokens.operator],
    ] as const) {
      const session = await wsConnect(`Bearer ${token}`);
      session.socket.send(JSON.stringify({ id: 'n', type: 'subscribe', payload: { query: EVENTS } }));
      await until(() => session.messages.some((m) => m.id === 'n' && m.type !== 'next'), `${who}: the refusal`);
      counter.add(name);
      const refusal = session.messages.find((m) => m.id === 'n');
      const codes = JSON.stringify(refusal?.payload ?? null);
      if (refusal?.type !== 'error' || !codes.includes('FORBIDDEN')) {
        throw new Error(`${name} — ${who}: expected an error with FORBIDDEN, got ${JSON.stringify(refusal)}`);
      }
      session.socket.close();
    }

    // (e): foreign subscribers, live and replaying, on all of their events and on demo's locations.
    const runtime = stack.subgraphs.payments.runtime as PaymentsRuntime;
    const demo = await wsConnect(`Bearer ${tokens.demo}`);
    const foreign = [
      { name: "the other tenant's M2M client", token: tokens.other, variables: {} },
      {
        name: "the other tenant's M2M client on demo's locations",
        token: tokens.other,
        variables: { loc: ['1', '2'] },
      },
      {
        name: "the other tenant's M2M client replaying from the start",
        token: tokens.other,
        variables: { after: '0' },
      },
      { name: "the other tenant's POS user", token: otherUser, variables: {} },
      { name: "the other tenant's POS user on demo's locations", token: otherUser, variables: { loc: ['1'] } },
    ];
    const sessions = await Promise.all(foreign.map((f) => wsConnect(`Bearer ${f.token}`)));
    const before = runtime.events.subscriberCount;
    demo.socket.send(JSON.stringify({ id: 'd', type: 'subscribe', payload: { query: EVENTS } }));
    sessions.forEach((s, i) =>
      s.socket.send(
        JSON.stringify({ id: 'f', type: 'subscribe', payload: { query: EVENTS, variables: foreign[i].variables } }),
      ),
    );
    await until(
      () => runtime.events.subscriberCount >= before + 1 + sessions.length,
      'the upstream subscriptions',
      15_000,
    );

    const events = (session: WsSession) => session.messages.filter((m) => m.type === 'next').map((m) => m.payload);
    const demoPaid = await payOrder(stack, tokens.demo, { amountCents: 777, locationId: '1' });
    await until(
      () => events(demo).some((e) => e.data?.paymentEvents?.payload?.paymentId === demoPaid.paymentId),
      "demo's own event",
    );
    // The other tenant's own payment after demo's: once its subscribers have it, demo's would have come before.
    const otherPaid = await payOrder(stack, tokens.other, { amountCents: 555, locationId: '3' });
    const live = sessions.filter((_, i) => !foreign[i].variables.loc);
    await until(
      () => live.every((s) => events(s).some((e) => e.data?.paymentEvents?.payload?.paymentId === otherPaid.paymentId)),
      "the other tenant's own event",
    );
    for (const [i, session] of sessions.entries()) {
      counter.add(name);
      const text = JSON.stringify(session.messages);
      const leaked = [
        ...demoDataIn(fx, text),
        ...[demoPaid.paymentId, demoPaid.orderId].filter((id) => text.includes(id)),
      ];
      if (leaked.length) throw new Error(`${name} — ${foreign[i].name}: received demo's ${leaked.join(', ')}`);
      if (events(session).some((e) => e.data?.paymentEvents && e.data.paymentEvents.partnerId !== 'other')) {
        throw new Error(`${name} — ${foreign[i].name}: an event of another partner: ${text.slice(0, 400)}`);
      }
    }
    counter.add(name); // the control: demo received its own event
    for (const session of [demo, ...sessions]) session.socket.close();
  });
});
