import { HOSTED_CHECKOUT_PATH } from '@pos/gateway/src/hosted-checkout';
import { routes } from '@pos/gateway/src/rest/routes';
import { LAUNCH_EXCHANGE_PATH } from '@pos/gateway/src/rest/v1/launch';
import fc from 'fast-check';
import {
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
} from 'graphql';
import type { Stack } from '../support/stack';
import { type CheckoutPage, VALID, VALID_ARGS, type Valid } from './requests';
import {
  type Answer,
  CaseCounter,
  DEMO_LOYALTY_KEY,
  type Endpoint,
  FC_RUNS,
  FC_SEED,
  type Fixtures,
  type Sent,
  type TableSums,
  type Tokens,
  allEndpoints,
  changedTables,
  leakIn,
  looksLikeLeak,
  makeFixtures,
  makeTokens,
  openApiOperations,
  pathParamsOf,
  send,
  startReliabilityStack,
  tableChecksums,
} from './support';

/**
 * Bad input, generated. For every REST endpoint the gateway serves — each route of the route table, so a
 * new route is covered by itself, plus the launch routes and the hosted checkout's public pages — and for every
 * Mutation root field of the API schema (and, with a third of the runs, every Query root field), fast-check generates
 * malformed and hostile requests, and every answer must keep three promises:
 *
 * 1. never a 5xx (GraphQL: HTTP < 500 and no INTERNAL_SERVER_ERROR, not even masked: that is a 500 over REST);
 * 2. no internal text: no stack frame, exception, SQL, database message or file path (support.ts LEAK_PATTERNS);
 * 3. a refused request (≥ 400; GraphQL: errors and no data) changes nothing: a checksum of every table of every
 *    service is taken before and after each case, apart from the few documented exceptions in STATE_CHANGE_ALLOWED;
 * 4. the rate and cost limits (on, with their defaults) refuse no case, and every answer that ran an operation says
 *    what it cost (GraphQL extensions.cost, REST RateLimit headers).
 *
 * The number of cases per endpoint and field is printed at the end and written to
 * test-artifacts/reliability-bad-input.json. FC_RUNS (default in support.ts) and FC_SEED tune the run.
 */

// ---------------------------------------------------------------------------------------------------------------
// Generators

/** Strings a client may send: printable, unicode (astral, combining, RTL), empty, huge, look-alikes of numbers. */
const hostileString = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(
    '',
    ' ',
    '\t\n',
    'NaN',
    'Infinity',
    '-1',
    '1e309',
    'null',
    'true',
    '0x10',
    '١٢٣',
    '\u0000',
    '\u202eevil',
    '𝟘𝟙😀',
    'e\u0301',
    '\ud800',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    "Robert'); DROP TABLE x; --",
    '%s%n%x',
    '${7*7}{{7*7}}',
    '__proto__',
  ),
  fc.integer({ min: 200, max: 20_000 }).map((n) => 'x'.repeat(n)),
);

const weirdNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-1, 0, -0, 0.5, 1.5, 1e21, -1e21, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 2 ** 53 + 2, 1e308, 5e-324),
);

/** A JSON value of a wrong type, size or shape for whatever field it replaces. */
const badValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  weirdNumber,
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  fc.integer({ min: 50, max: 2000 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown),
);

/** A near miss of a valid string: a character changed, cut, doubled, or padded. */
const nearString = (valid: string) =>
  fc.record({ at: fc.nat(), op: fc.constantFrom('flip', 'cut', 'double', 'pad', 'upper') }).map(({ at, op }) => {
    const i = valid.length ? at % valid.length : 0;
    if (op === 'flip') return valid.slice(0, i) + (valid[i] === 'a' ? 'b' : 'a') + valid.slice(i + 1);
    if (op === 'cut') return valid.slice(0, i);
    if (op === 'double') return valid + valid;
    if (op === 'pad') return ` ${valid} `;
    return valid.toUpperCase();
  });

type JsonPath = Array<string | number>;
const jsonPaths = (value: unknown, prefix: JsonPath = []): JsonPath[] => {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...jsonPaths(v, [...prefix, i])]);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...jsonPaths(v, [...prefix, k])]);
  }
  return [];
};

/** The valid body with one field replaced by a bad value, removed, or given an unknown sibling. */
const nearValidJson = (valid: unknown) => {
  const paths = jsonPaths(valid);
  return fc
    .record({
      at: fc.nat(),
      op: fc.constantFrom('replace', 'replace', 'replace', 'remove', 'extra'),
      value: badValue,
      extraKey: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'id', 'tenant_id')),
    })
    .map(({ at, op, value, extraKey }) => {
      const copy = structuredClone(valid) as any;
      if (!paths.length) return { [extraKey]: value };
      const path = paths[at % paths.length];
      let parent = copy;
      for (const key of path.slice(0, -1)) parent = parent[key];
      const last = path[path.length - 1];
      if (op === 'replace') parent[last] = value;
      else if (op === 'remove') {
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete parent[last];
      } else if (Array.isArray(parent)) parent.push(value);
      else Object.defineProperty(parent, extraKey, { value, enumerable: true, configurable: true, writable: true });
      return copy as unknown;
    });
};

const MALFORMED_JSON = [
  '{',
  '{"a":',
  '[1,',
  '{"a":1}}',
  "{'a':1}",
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":1,}',
  '\uFEFF{}',
  '"just a string"',
  'null',
  '12',
  'true',
  '[]',
  '{"a":"\\ud800"}',
  '{"a":"\\u00"}',
  '['.repeat(10_000) + ']'.repeat(10_000),
  '{"a":1}{"b":2}',
];

/** Valid JSON, over the gateway's 1 MiB body limit (MAX_BODY_BYTES). */
const OVERSIZE_JSON = JSON.stringify({ note: 'x'.repeat(1024 * 1024 + 16) });
/** A form of more fields than the hosted checkout's parser takes (20). */
const TOO_MANY_FIELDS = Array.from({ length: 25 }, (_, i) => `field${i}=${i}`).join('&');

const WRONG_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=utf-16',
  'application/jsonx',
  'application/vnd.api+json',
  'text/html',
  '*/*',
  'json',
];

/** Header values fetch clients can send: printable ASCII and Latin-1. */
const headerText = fc.string({
  unit: fc
    .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff }))
    .map((c) => String.fromCharCode(c)),
  maxLength: 40,
});

const idempotencyKey = fc.oneof(
  fc.constantFrom('', ' ', 'fuzz-fixed-key-1', 'fuzz-fixed-key-2', 'é', 'a\tb', 'k'.repeat(255), 'k'.repeat(256)),
  headerText,
  fc.uuid(),
);

/** Odd headers: Idempotency-Key variants (repeated too), a large padding header, odd Accept, request ids. */
const oddHeaders = fc
  .record({
    keys: fc.array(idempotencyKey, { minLength: 0, maxLength: 3 }),
    padding: fc.option(fc.integer({ min: 1000, max: 12_000 })),
    accept: fc.option(fc.constantFrom('text/html', '*/*', 'application/xml', 'garbage', '')),
    requestId: fc.option(headerText),
    forwarded: fc.option(headerText),
    encoding: fc.option(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'compress', 'x-nope')),
    both: fc.boolean(),
  })
  .map((h) => {
    const headers: Array<[string, string]> = h.keys.map((key) => ['idempotency-key', key]);
    if (h.padding !== null) headers.push(['x-padding', 'p'.repeat(h.padding)]);
    if (h.accept !== null) headers.push(['accept', h.accept]);
    if (h.requestId !== null) headers.push(['x-request-id', h.requestId]);
    if (h.forwarded !== null) headers.push(['x-forwarded-for', h.forwarded]);
    // A body that says it is compressed and is not.
    if (h.encoding !== null) headers.push(['content-encoding', h.encoding]);
    return { headers, both: h.both };
  });

/** Path segments sent as they are, not encoded: malformed or overlong percent-encoding, encoded dots and NUL. */
const RAW_SEGMENTS = new Set(['%', '%zz', '%ED%A0%80', '%00', '%2e%2e', '%C0%AF', '%FF%FE', '%u0041']);

/** encodeURIComponent, except that a lone surrogate is sent as its UTF-8 replacement instead of throwing. */
const encode = (text: string) =>
  encodeURIComponent(text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

/** A path parameter of the wrong shape, size or tenant. */
const pathValue = (valid: string, fx: Fixtures) =>
  fc.oneof(
    fc.constantFrom(...RAW_SEGMENTS),
    fc.constantFrom(
      fx.other.orderId,
      fx.other.paymentId,
      fx.other.locationId,
      '0',
      '-1',
      '1.5',
      '1e3',
      '99999999999999999999',
      '2147483648',
      'abc',
      ' ',
      '..',
      '00000000-0000-0000-0000-000000000000',
      valid.toUpperCase(),
      `${valid} `,
    ),
    fc.uuid(),
    fc.integer().map(String),
    nearString(valid),
    hostileString.map((s) => s.slice(0, 3000)),
  );

// ---------------------------------------------------------------------------------------------------------------
// REST cases

interface RestCase {
  kind: string;
  params: Record<string, string>;
  query: Array<[string, string]>;
  /** Every header sent, the credential included (cases that test credentials are tenancy's). */
  headers: Array<[string, string]>;
  body?: string;
}

function credentialHeaders(endpoint: Endpoint, tokens: Tokens): Array<[string, string]> {
  if (endpoint.auth === 'bearer') return [['authorization', `Bearer ${tokens.demo}`]];
  if (endpoint.auth === 'apiKey') return [['x-api-key', DEMO_LOYALTY_KEY]];
  if (endpoint.auth === 'person') return tokens.people.demo;
  return [];
}

function restCases(endpoint: Endpoint, valid: Valid, fx: Fixtures, tokens: Tokens, origin: string) {
  const credential = credentialHeaders(endpoint, tokens);
  // Form posts come from the page itself, as a browser marks them (the CSRF checks otherwise refuse them first).
  const browser: Array<[string, string]> =
    endpoint.body === 'form'
      ? [
          ['origin', origin],
          ['sec-fetch-site', 'same-origin'],
        ]
      : [];
  const validQuery = Object.entries(valid.query ?? {});
  const params = valid.params ?? {};
  const base = (kind: string, extra: Partial<RestCase> = {}): RestCase => ({
    kind,
    params,
    query: validQuery,
    headers: [...credential, ...browser],
    ...extra,
  });
  const jsonBody = (kind: string, text: string, contentType = 'application/json') =>
    base(kind, { headers: [...credential, ['content-type', contentType]], body: text });
  const formBody = (kind: string, text: string, contentType = 'application/x-www-form-urlencoded') =>
    base(kind, { headers: [...credential, ...browser, ['content-type', contentType]], body: text });
  const validText =
    endpoint.body === 'form' ? new URLSearchParams(valid.form).toString() : JSON.stringify(valid.body ?? {});
  const withValidBody = (c: RestCase): RestCase =>
    endpoint.body === 'json'
      ? { ...c, headers: [...c.headers, ['content-type', 'application/json']], body: validText }
      : endpoint.body === 'form'
        ? { ...c, headers: [...c.headers, ['content-type', 'application/x-www-form-urlencoded']], body: validText }
        : c;

  const kinds: Array<fc.Arbitrary<RestCase>> = [];
  if (endpoint.body === 'json') {
    kinds.push(
      fc.jsonValue({ maxDepth: 4 }).map((v) => jsonBody('random JSON body', JSON.stringify(v))),
      nearValidJson(valid.body ?? {}).map((v) => jsonBody('near-valid body', JSON.stringify(v))),
      nearValidJson(valid.body ?? {}).map((v) => jsonBody('near-valid body', JSON.stringify(v))),
      fc
        .oneof(
          fc.constantFrom(...MALFORMED_JSON),
          fc.nat().map((n) => validText.slice(0, n % Math.max(1, validText.length))),
          fc.string({ maxLength: 40 }),
        )
        .map((text) => jsonBody('malformed JSON', text)),
      fc.constantFrom(...WRONG_CONTENT_TYPES).map((type) => jsonBody('wrong content type', validText, type)),
      fc.constant(jsonBody('body over the size limit', OVERSIZE_JSON)),
    );
  }
  if (endpoint.body === 'form') {
    const fields = Object.keys(valid.form ?? {});
    kinds.push(
      fc
        .dictionary(fc.oneof(fc.constantFrom(...fields), fc.string({ maxLength: 10 })), hostileString, {
          maxKeys: 6,
        })
        .map((form) => formBody('random form', new URLSearchParams(form).toString())),
      fc
        .record({ field: fc.constantFrom(...fields), value: fc.option(hostileString), near: fc.boolean() })
        .chain(({ field, value, near }) =>
          (near ? nearString(valid.form![field]) : fc.constant(value)).map((v) => {
            const form = { ...valid.form! };
            if (v === null) delete form[field];
            else form[field] = v;
            return formBody('near-valid form', new URLSearchParams(form).toString());
          }),
        ),
      fc.string({ maxLength: 60 }).map((text) => formBody('malformed form', text)),
      fc
        .constantFrom(TOO_MANY_FIELDS, `token=${'t'.repeat(9000)}`)
        .map((text) => formBody('form over the size or field limit', text)),
      fc
        .constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x')
        .map((type) => formBody('wrong content type', validText, type)),
    );
  }
  if (endpoint.body === 'none') {
    kinds.push(fc.jsonValue({ maxDepth: 3 }).map((v) => jsonBody('unexpected body', JSON.stringify(v))));
  }
  const names = pathParamsOf(endpoint.path);
  if (names.length) {
    kinds.push(
      fc
        .tuple(...names.map((name) => fc.option(pathValue(params[name], fx), { freq: 3 })))
        .filter((values) => values.some((v) => v !== null))
        .map((values) =>
          withValidBody(
            base('bad path parameter', {
              params: Object.fromEntries(names.map((name, i) => [name, values[i] ?? params[name]])),
            }),
          ),
        ),
    );
  }
  const queryKeys = [...validQuery.map(([k]) => k), 'limit', 'status', 'filter', 'page', 'token', 'a[b]'];
  kinds.push(
    fc
      .array(
        fc.tuple(
          fc.oneof(fc.constantFrom(...queryKeys), fc.string({ maxLength: 10 })),
          fc.oneof(
            hostileString.map((s) => s.slice(0, 2000)),
            ...validQuery.map(([, v]) => nearString(v)),
          ),
        ),
        { minLength: 1, maxLength: 4 },
      )
      .chain((pairs) =>
        fc
          .boolean()
          .map((keep) => withValidBody(base('bad query', { query: [...(keep ? validQuery : []), ...pairs] }))),
      ),
    oddHeaders.map(({ headers, both }) => {
      const c = withValidBody(base('odd headers'));
      // The other scheme's credential beside the right one must not confuse the route.
      const other: Array<[string, string]> = both
        ? endpoint.auth === 'apiKey'
          ? [['authorization', `Bearer ${tokens.other}`]]
          : [['x-api-key', DEMO_LOYALTY_KEY]]
        : [];
      return { ...c, headers: [...c.headers, ...headers, ...other] };
    }),
  );
  return fc
    .oneof(...kinds)
    .filter((c) => !looksLikeLeak(c.body ?? '') && !looksLikeLeak(c.query) && !looksLikeLeak(c.params));
}

const toSent = (endpoint: Endpoint, c: RestCase): Sent => {
  const url = endpoint.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = c.params[name];
    return RAW_SEGMENTS.has(value) ? value : encode(value);
  });
  const query = c.query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
  return { method: endpoint.method, url: query ? `${url}?${query}` : url, headers: c.headers, body: c.body };
};

// ---------------------------------------------------------------------------------------------------------------
// GraphQL cases

/** Plausible values by argument or input field name, mixed with hostile ones, so cases reach the resolvers' rules. */
function hints(fx: Fixtures): Record<string, fc.Arbitrary<unknown>> {
  const ids = fc.constantFrom(
    fx.order.id,
    fx.paid.orderId,
    fx.paid.paymentId,
    fx.voidable.paymentId,
    fx.check.id,
    fx.webhook.endpointId,
    fx.webhook.deliveryId,
    fx.loyalty.transactionId,
    fx.other.orderId,
    fx.other.paymentId,
    '1',
    '2',
    '3',
  );
  return {
    ID: fc.oneof({ weight: 3, arbitrary: ids }, fc.uuid(), fc.integer().map(String), hostileString),
    currency: fc.constantFrom('USD', 'EUR', 'usd', 'XXX', 'US', ''),
    // Never the sandbox's tok_processor_unavailable: its 503 and cancelled payment are the documented outcome of a
    // processor that does not answer, not bad input (test/e2e/payment-outcomes.test.ts covers it).
    cardToken: fc.constantFrom('tok_visa', 'tok_decline', 'tok_mastercard'),
    token: fc.constantFrom(fx.loyalty.couponToken, 'tok_visa', 'qr_unknown'),
    url: fc.constantFrom(
      'http://127.0.0.1:9/hook',
      'https://hooks.example/x',
      'ftp://x.example/',
      'http://169.254.169.254/latest',
      'https://user:pw@x.example/',
      'not a url',
    ),
    returnUrl: fc.constantFrom('http://localhost/done', 'https://shop.example/r', 'javascript:alert(1)'),
    cancelUrl: fc.constantFrom('http://localhost/cancel', 'https://shop.example/c'),
    customerCode: fc.constantFrom('482193', '482194', '582193', '682193', '782193', '000000', '4821930'),
    verificationPin: fc.constantFrom('1234', '0000', '12345'),
    posRef: fc.constantFrom('1-101', '1-102', '1-104', '2-101', '3-101'),
    orderNumber: fc.constantFrom('1101', '9999'),
    expirationDate: fc.constantFrom('1240', '0120', '1340', '0000'),
    last4Digits: fc.constantFrom('4242', '42', 'abcd'),
    expiresAt: fc.constantFrom(
      new Date(Date.now() + 3_600_000).toISOString(),
      new Date(Date.now() - 3_600_000).toISOString(),
      '2999-01-01T00:00:00Z',
      'yesterday',
    ),
    idempotencyKey: fc.constantFrom('fuzz-gql-key-1', 'fuzz-gql-key-2', '', ' ', 'k'.repeat(256)),
    partnerId: fc.constantFrom('demo', 'other', 'tilt'),
    locationId: fc.constantFrom('1', '2', '3', '4', '0', '-1'),
    locationIds: fc.constantFrom('1', '2', '3'),
    Int: fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: -5, max: 5000 }) },
      fc.constantFrom(0, -1, 2 ** 31 - 1, -(2 ** 31)),
      fc.integer(),
    ),
    Float: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -5, max: 50 })),
    Boolean: fc.boolean(),
    String: hostileString,
    DateTimeISO: fc.constantFrom(new Date(Date.now() + 600_000).toISOString(), '2000-01-01T00:00:00Z', 'not a date'),
  };
}

function inputValue(
  type: GraphQLInputType,
  name: string,
  hinted: Record<string, fc.Arbitrary<unknown>>,
  depth = 0,
): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) {
    return fc.oneof(
      { weight: 19, arbitrary: inputValue(type.ofType, name, hinted, depth) },
      { weight: 1, arbitrary: fc.constant(null) },
    );
  }
  if (isListType(type)) {
    return fc.option(fc.array(inputValue(type.ofType, name, hinted, depth + 1), { maxLength: 3 }), { freq: 5 });
  }
  const named = getNamedType(type);
  if (isEnumType(named)) {
    return fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...named.getValues().map((v) => v.name)) },
      { weight: 1, arbitrary: hostileString },
    );
  }
  if (isInputObjectType(named)) {
    if (depth > 3) return fc.constant(null);
    const fields = Object.values(named.getFields());
    return fc.record(
      Object.fromEntries(
        fields.map((f) => [
          f.name,
          isNonNullType(f.type)
            ? inputValue(f.type, f.name, hinted, depth + 1)
            : fc.option(inputValue(f.type, f.name, hinted, depth + 1), { nil: undefined, freq: 3 }),
        ]),
      ),
    );
  }
  const scalar = hinted[named.name] ?? hinted.String;
  const byName = hinted[name];
  return byName ? fc.oneof({ weight: 3, arbitrary: byName }, { weight: 1, arbitrary: scalar }) : scalar;
}

interface GraphQLCase {
  kind: string;
  variables: unknown;
}

/** Every place in a valid argument object a value can go (present or not), with the GraphQL type it must have. */
function typedPaths(field: GraphQLField<unknown, unknown>, valid: Record<string, unknown>) {
  const out: Array<{ path: JsonPath; type: GraphQLInputType }> = [];
  const walk = (value: unknown, type: GraphQLInputType, path: JsonPath) => {
    out.push({ path, type });
    const inner = isNonNullType(type) ? type.ofType : type;
    if (isListType(inner) && Array.isArray(value)) value.forEach((v, i) => walk(v, inner.ofType, [...path, i]));
    else if (isInputObjectType(inner) && value && typeof value === 'object') {
      for (const f of Object.values(inner.getFields())) walk((value as any)[f.name], f.type, [...path, f.name]);
    }
  };
  for (const a of field.args) walk(valid[a.name], a.type, [a.name]);
  return out;
}

const withValueAt = (valid: Record<string, unknown>, path: JsonPath, value: unknown) => {
  const copy = structuredClone(valid) as any;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] ??= {};
  parent[path[path.length - 1]] = value;
  return copy as Record<string, unknown>;
};

function argumentCases(field: GraphQLField<unknown, unknown>, fx: Fixtures, valid: Record<string, unknown>) {
  const hinted = hints(fx);
  const args = field.args;
  const typed = fc.record(Object.fromEntries(args.map((a) => [a.name, inputValue(a.type, a.name, hinted)])));
  const paths = typedPaths(field, valid);
  // The valid arguments (requests.ts) with one value, anywhere in them, generated anew for its type: most cases
  // then get past the schema and the other fields to the rule that value meets.
  const nearValid = paths.length
    ? fc.nat().chain((at) => {
        const { path, type } = paths[at % paths.length];
        const name = String(path.filter((p) => typeof p === 'string').pop());
        return inputValue(type, name, hinted).map((value) => ({
          kind: 'near-valid arguments',
          variables: withValueAt(valid, path, value),
        }));
      })
    : fc.constant({ kind: 'near-valid arguments', variables: valid });
  const kinds: Array<fc.Arbitrary<GraphQLCase>> = [
    nearValid,
    nearValid,
    nearValid,
    typed.map((variables) => ({ kind: 'typed', variables })),
    nearValidJson(valid).map((variables) => ({ kind: 'near-valid, wrong type', variables })),
    fc.record({ variables: typed, at: fc.nat(), value: badValue }).map(({ variables, at, value }) => ({
      kind: 'wrong type',
      variables: args.length ? { ...variables, [args[at % args.length].name]: value } : variables,
    })),
    fc.constantFrom({}, Object.fromEntries(args.map((a) => [a.name, null]))).map((variables) => ({
      kind: 'missing or null',
      variables,
    })),
    fc
      .oneof(fc.constantFrom('vars', 1, true), fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 2 }))
      .map((variables) => ({ kind: 'variables not an object', variables })),
  ];
  return fc.oneof(...kinds).filter((c) => !looksLikeLeak(c.variables));
}

const documentOf = (kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>) => {
  const vars = field.args.map((a) => `$${a.name}: ${a.type}`).join(', ');
  const call = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  return `${kind} Fuzz${vars ? `(${vars})` : ''} { ${field.name}${call ? `(${call})` : ''}${selection} }`;
};

// ---------------------------------------------------------------------------------------------------------------
// Allowed state changes on a refusal: by design, each documented in docs/.

interface Allowance {
  what: string;
  applies(endpoint: string, status: number, body: any): boolean;
  tables: string[];
}

/** The PIN gate's refusals: REST names a customer's PIN lock pin_attempts_exceeded, GraphQL pin_locked. */
const PIN_REASONS = ['pin_required', 'pin_invalid', 'pin_expired', 'pin_attempts_exceeded', 'pin_locked'];

const STATE_CHANGE_ALLOWED: Allowance[] = [
  {
    // docs/partner-api.md, SSO launch links: "a used one 401 token_reused and the session that token opened is revoked".
    what: 'a reused launch token revokes the session its first exchange opened',
    applies: (endpoint, status, body) =>
      endpoint === `POST ${LAUNCH_EXCHANGE_PATH}` && status === 401 && body?.code === 'token_reused',
    tables: ['identity.user_session'],
  },
  {
    // docs/loyalty.md, the PIN flow: the PIN gate issues a challenge (412 pin_required) and counts wrong PINs (422, then 429),
    // per challenge and per customer (the PIN lock, which closes the customer's open challenges when it starts).
    what: 'the loyalty PIN gate records its challenge and counts attempts',
    applies: (_endpoint, _status, body) =>
      PIN_REASONS.includes(body?.error) ||
      (body?.errors ?? []).some((e: any) => PIN_REASONS.includes(e?.extensions?.reason)),
    tables: ['loyalty.loyalty_pin_challenge', 'loyalty.loyalty_pin_failure'],
  },
];

// ---------------------------------------------------------------------------------------------------------------

describe('bad input, generated: every REST endpoint and GraphQL mutation (fast-check)', () => {
  let stack: Stack;
  let tokens: Tokens;
  let fx: Fixtures;
  let page: CheckoutPage;
  let checksums: () => Promise<TableSums>;
  let baseline: TableSums;
  let schema: GraphQLSchema;
  const counter = new CaseCounter();
  const outcomes: Record<string, Record<string, number>> = {};
  const allowancesUsed: Record<string, number> = {};
  const tally = (map: Record<string, number>, key: string) => {
    map[key] = (map[key] ?? 0) + 1;
  };
  const endpoints = allEndpoints();
  // Jest's 60 s per test is for the defaults; larger FC_RUNS get room in proportion (a case takes 10–50 ms).
  const ENDPOINT_TIMEOUT_MS = Math.max(60_000, FC_RUNS * 1_000);
  const WALK_TIMEOUT_MS = Math.max(120_000, FC_RUNS * 4_000);

  beforeAll(async () => {
    stack = await startReliabilityStack();
    tokens = await makeTokens(stack);
    fx = await makeFixtures(stack, tokens);
    const html = await (await fetch(`${stack.origin}${HOSTED_CHECKOUT_PATH}?token=${fx.checkout.token}`)).text();
    const hidden = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)![1];
    page = { nonce: hidden('nonce'), csrf: hidden('csrf') };
    schema = stack.gateway.subscriptions.apiGraphQLSchema;
    checksums = await tableChecksums(stack);
    baseline = await checksums();
  });
  afterAll(async () => {
    counter.report('bad-input', {
      restEndpoints: endpoints.length,
      mutationFields: schema ? Object.keys(schema.getMutationType()!.getFields()).length : 0,
      queryFields: schema ? Object.keys(schema.getQueryType()!.getFields()).length : 0,
      stateChangesAllowedOnRefusal: allowancesUsed,
      outcomes,
    });
    await stack?.close();
  });

  const MIN_INTERVAL_MS = 12;
  let lastSent = 0;

  /** Runs one case and checks the three promises; throws (failing the property) with what went wrong. */
  async function check(
    name: string,
    describeCase: string,
    run: () => Promise<Answer>,
    refused: (a: Answer) => boolean,
  ) {
    const before = baseline;
    // A client within the default rate (100 a second): on a fast machine the quick refusals would otherwise send more,
    // and the flood guard, not the case, would answer.
    const wait = lastSent + MIN_INTERVAL_MS - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    lastSent = Date.now();
    const answer = await run();
    baseline = await checksums();
    const problem = (what: string) =>
      new Error(
        `${name}: ${what}\n  case: ${describeCase.slice(0, 1500)}\n  answer: ${answer.status} ${answer.text.slice(0, 800)}`,
      );
    if (answer.status >= 500) throw problem(`answered ${answer.status}`);
    const leak = leakIn(answer.text);
    if (leak) throw problem(`leaked internal text (${leak})`);
    let body: any = null;
    try {
      body = JSON.parse(answer.text);
    } catch {
      // an HTML page (hosted checkout) or an empty body
    }
    // The limits are on in every mode, with defaults no test meets: a case refused for the flood guard or the cost
    // budget would hide what it was meant to reach. What a caller was charged is always said: extensions.cost on a
    // GraphQL answer that ran, the RateLimit headers on a REST answer that did.
    const limited = body?.code ?? body?.error ?? body?.errors?.[0]?.extensions?.reason;
    if (answer.status === 429 && (limited === 'rate_limited' || limited === 'cost_limit' || !limited)) {
      throw problem('refused by the rate or cost limits, whose defaults no test should meet');
    }
    const graphql = name.startsWith('query ') || name.startsWith('mutation ');
    if (graphql && answer.status === 200 && !body?.extensions?.cost?.throttleStatus) {
      throw problem('a GraphQL answer without extensions.cost');
    }
    // Public paths (the hosted checkout, the launch exchange) have no caller whose budget they could spend.
    if (!graphql && !name.includes('/public/') && answer.status < 300 && body && !answer.headers['ratelimit']) {
      throw problem('a REST answer without the RateLimit header');
    }
    // A loyalty customer's PIN lock (429 pin_attempts_exceeded) names its wait twice: the body's and the header agree.
    if (body?.retry_after !== undefined && answer.headers['retry-after'] !== String(body.retry_after)) {
      throw problem('retry_after in the body without the same Retry-After header');
    }
    const changed = changedTables(before, baseline);
    if (refused(answer)) {
      const allowances = STATE_CHANGE_ALLOWED.filter((a) => a.applies(name, answer.status, body));
      const allowed = allowances.flatMap((a) => a.tables);
      const unexplained = changed.filter((t) => !allowed.includes(t));
      if (unexplained.length) throw problem(`a refused request changed ${unexplained.join(', ')}`);
      for (const a of allowances) if (changed.some((t) => a.tables.includes(t))) tally(allowancesUsed, a.what);
    }
    // What the cases reached: per endpoint or field, the statuses (GraphQL: the first error code) and whether the
    // request changed anything, so a run shows it got past validation to the business rules and to success.
    const outcome =
      name.startsWith('query ') || name.startsWith('mutation ')
        ? (body?.errors?.[0]?.extensions?.code ?? (answer.status < 300 ? 'data' : String(answer.status)))
        : String(answer.status);
    tally((outcomes[name] ??= {}), changed.length ? `${outcome} (changed state)` : outcome);
    counter.add(name);
    return { answer, body };
  }

  it('enumerates every REST endpoint (route table, launch links, hosted checkout) and has a valid request for each', async () => {
    expect(endpoints.filter((e) => e.source === 'route table')).toHaveLength(routes.length);
    expect(endpoints.map((e) => e.key).sort()).toEqual((await openApiOperations(stack)).map((o) => o.key).sort());
    expect(Object.keys(VALID).sort()).toEqual(endpoints.map((e) => e.key).sort());
  });

  it.each(endpoints.map((e, i) => [e.key, e, i] as const))(
    '%s',
    async (key, endpoint, index) => {
      const valid = VALID[key](fx, page);
      const caseOf = (c: RestCase) =>
        JSON.stringify({ ...c, headers: c.headers.filter(([n]) => n !== 'authorization') });
      const refused = (a: Answer) => a.status >= 400;

      // The valid request first: it proves the fixtures reach the route's rules, so near misses are near.
      const control = await check(
        key,
        'the valid request',
        () => send(stack, toSent(endpoint, validCase(endpoint, valid))),
        refused,
      );
      const ok = valid.ok ?? [];
      if (!(ok.includes(control.answer.status) || (!ok.length && control.answer.status < 300))) {
        throw new Error(
          `${key}: the valid request answered ${control.answer.status} ${control.answer.text.slice(0, 500)}`,
        );
      }

      await fc.assert(
        fc.asyncProperty(restCases(endpoint, valid, fx, tokens, publicOrigin()), async (c) => {
          const sent = toSent(endpoint, c);
          const answer = await check(key, `${c.kind} ${caseOf(c)}`, () => send(stack, sent), refused);
          // A JSON API answers its refusals in JSON, never with an HTML page.
          if (
            endpoint.body !== 'form' &&
            endpoint.path !== HOSTED_CHECKOUT_PATH &&
            answer.answer.status >= 400 &&
            !answer.body
          ) {
            throw new Error(
              `${key}: a ${answer.answer.status} that is not JSON: ${answer.answer.text.slice(0, 300)}\n  case: ${caseOf(c)}`,
            );
          }
        }),
        { numRuns: FC_RUNS, seed: FC_SEED + index, endOnFailure: true },
      );
    },
    ENDPOINT_TIMEOUT_MS,
  );

  function publicOrigin() {
    return `http://localhost:${stack.gateway.port}`;
  }

  function validCase(endpoint: Endpoint, valid: Valid): RestCase {
    const headers = credentialHeaders(endpoint, tokens);
    if (endpoint.body === 'form') {
      headers.push(
        ['origin', publicOrigin()],
        ['sec-fetch-site', 'same-origin'],
        ['content-type', 'application/x-www-form-urlencoded'],
      );
    }
    if (endpoint.body === 'json') headers.push(['content-type', 'application/json']);
    return {
      kind: 'valid',
      params: valid.params ?? {},
      query: Object.entries(valid.query ?? {}),
      headers,
      body:
        endpoint.body === 'form'
          ? new URLSearchParams(valid.form).toString()
          : endpoint.body === 'json'
            ? JSON.stringify(valid.body ?? {})
            : undefined,
    };
  }

  /** A third of the runs for Query fields: they change nothing, so only the first two promises are at stake. */
  const QUERY_RUNS = Math.max(1, Math.ceil(FC_RUNS / 3));

  // The fields are read from the schema the gateway serves when the tests run; jest needs the list before that,
  // so one test walks them all (each with its own fast-check run and count), in the schema's order.
  it.each([
    ['mutation', FC_RUNS],
    ['query', QUERY_RUNS],
  ] as const)(
    'every %s root field, with generated arguments as variables',
    async (kind, runs) => {
      const root = kind === 'mutation' ? schema.getMutationType()! : schema.getQueryType()!;
      const fields = Object.values(root.getFields());
      // A new root field needs its valid arguments in requests.ts (the near misses start from them).
      expect(fields.filter((f) => !VALID_ARGS[f.name]).map((f) => f.name)).toEqual([]);
      for (const [index, field] of fields.entries()) {
        const name = `${kind} ${field.name}`;
        const query = documentOf(kind, field);
        await fc.assert(
          fc.asyncProperty(argumentCases(field, fx, VALID_ARGS[field.name](fx)), async (c) => {
            const { body } = await check(
              name,
              `${c.kind} ${JSON.stringify(c.variables)}`,
              () =>
                send(stack, {
                  method: 'POST',
                  url: '/graphql',
                  headers: [
                    ['authorization', `Bearer ${tokens.demo}`],
                    ['content-type', 'application/json'],
                  ],
                  body: JSON.stringify({ query, variables: c.variables }),
                }),
              (a) => {
                try {
                  const parsed = JSON.parse(a.text);
                  return Boolean(parsed.errors?.length) && parsed.data?.[field.name] == null;
                } catch {
                  return a.status >= 400;
                }
              },
            );
            // Masked or not, an internal error is what REST answers as a 500: bad input must be refused by name.
            const internal = (body?.errors ?? []).filter((e: any) => e.extensions?.code === 'INTERNAL_SERVER_ERROR');
            if (internal.length) {
              throw new Error(
                `${name}: ${JSON.stringify(internal[0])}\n  case: ${c.kind} ${JSON.stringify(c.variables).slice(0, 1500)}`,
              );
            }
          }),
          { numRuns: runs, seed: FC_SEED + (kind === 'mutation' ? 1000 : 2000) + index, endOnFailure: true },
        );
      }
      // Every field of the schema ran its cases: a new root field is covered without a change here.
      expect(fields.filter((f) => counter.count(name(f)) < runs).map((f) => f.name)).toEqual([]);
      function name(f: { name: string }) {
        return `${kind} ${f.name}`;
      }
    },
    WALK_TIMEOUT_MS,
  );
});
