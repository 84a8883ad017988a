import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Supergraph } from '@apollo/federation-internals';
import express from 'express';
import { type GraphQLError, getOperationAST, parse, specifiedRules, validate } from 'graphql';
import { gatewayEnvSchema } from '../src/config';
import { partnerPrincipal } from '@pos/testing';
import {
  CostLimits,
  RateLimiter,
  bodyErrorHandler,
  documentLimits,
  hardeningOf,
  operationLimitRules,
} from '../src/hardening';
import { MAX_LIST_SIZE, MUTATION_FIELD_COST } from '../src/hardening/limits';
import { routes } from '../src/rest/routes';

const ROOT = path.resolve(__dirname, '../..');
const schema = Supergraph.build(fs.readFileSync(path.join(ROOT, 'schema/supergraph.graphql'), 'utf8'))
  .apiSchema()
  .toGraphQLJSSchema();

/** The settings every gateway needs, to parse the rest with their defaults. */
const REQUIRED = {
  DATABASE_URL: 'postgres://localhost/none',
  INTERNAL_JWT_SECRET: 'x'.repeat(32),
  KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
};
const settings = (env: Record<string, string> = {}) => gatewayEnvSchema.parse({ ...REQUIRED, ...env });
const DEFAULTS = hardeningOf(settings()).operationLimits;

/** The limit errors of a document under these limits (the document must be valid otherwise). */
function limitErrors(text: string, limits = DEFAULTS): readonly GraphQLError[] {
  const document = parse(text);
  expect(validate(schema, document, specifiedRules)).toEqual([]);
  return validate(schema, document, operationLimitRules(limits));
}

/** Depth and cost as the rules measure them: with both limits at 0, every error names its value. */
function measure(text: string) {
  const errors = limitErrors(text, { maxDepth: 0, maxCost: 0, defaultListSize: 10 });
  const of = (limit: string) =>
    errors.find((e) => e.extensions.limit === limit)?.extensions.actual as number | undefined;
  return { depth: of('depth'), cost: of('cost') };
}

/** README.md and every page under docs/. */
function documentation(): string {
  const pages = ['README.md'];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      if (entry.isDirectory()) walk(`${dir}/${entry.name}`);
      else if (entry.name.endsWith('.md')) pages.push(`${dir}/${entry.name}`);
    }
  };
  walk('docs');
  return pages.map((page) => fs.readFileSync(path.join(ROOT, page), 'utf8')).join('\n');
}

/** The GraphQL documents the docs show: JSON bodies of their curl examples, their graphql blocks, the bench query. */
function documentedQueries(): string[] {
  const readme = documentation();
  const found = [
    ...[...readme.matchAll(/"query":"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string),
    ...[...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]),
    ...[...readme.matchAll(/^The query: `([^`]+)`/gm)].map((m) => m[1]),
  ];
  // Examples with placeholders ("…") or several operations in one block are prose, not documents to send.
  return found.filter((text) => {
    try {
      return validate(schema, parse(text), specifiedRules).length === 0;
    } catch {
      return false;
    }
  });
}

describe('depth and cost limits', () => {
  it('measure depth as field nesting and cost as fields times the rows of their lists', () => {
    // 1 + 1 + 20 × 1: a connection without first/last counts its default page of 20 nodes.
    expect(measure('{ locations { nodes { id } } }')).toEqual({ depth: 3, cost: 22 });
    expect(measure('{ locations { nodes { orders { nodes { id } } } } }')).toEqual({ depth: 5, cost: 442 });
    // 1 + 10 × (1 + 10 × 1): the default list size for lists without first/limit.
    expect(measure('{ order(id: "1") { checks { items { name } } } }')).toEqual({ depth: 4, cost: 112 });
    // A connection's nodes count per row of a literal first or last, a variable's default, else 20; capped.
    const customer = (args: string, vars = '') =>
      measure(`query${vars} { loyaltyCustomer(code: "482193") { transactions${args} { nodes { id } } } }`).cost;
    expect(customer('(first: 3)')).toBe(1 + 1 + 1 + 3);
    expect(customer('(last: 4)')).toBe(1 + 1 + 1 + 4);
    expect(customer('(first: $n)', '($n: Int! = 7)')).toBe(1 + 1 + 1 + 7);
    expect(customer('')).toBe(1 + 1 + 1 + 20);
    expect(customer('(first: 1000000)')).toBe(1 + 1 + 1 + MAX_LIST_SIZE);
    // A connection's pageInfo counts once, whatever the page size.
    expect(
      measure('{ loyaltyCustomer(code: "482193") { transactions(first: 2) { pageInfo { hasNextPage } } } }').cost,
    ).toBe(1 + 1 + 1 + 1);
    // Fragments count where they are spread; introspection's own fields count for nothing.
    expect(measure('{ locations { nodes { ...L } } } fragment L on Location { orders { nodes { id } } }')).toEqual({
      depth: 5,
      cost: 442,
    });
    expect(
      measure('{ __schema { types { fields { type { ofType { name } } } } } locations { nodes { id } } }'),
    ).toEqual({
      depth: 3,
      cost: 22,
    });
  });

  it('let every documented query through: the REST routes’ operations, the docs’ and the benchmark’s', () => {
    const documents = [...routes.map((route) => route.document), ...documentedQueries()];
    expect(documents.length).toBeGreaterThan(routes.length + 5);
    for (const text of documents) expect([text, limitErrors(text)]).toEqual([text, []]);
    // With their largest pages too (a REST list takes at most 200, a paged route's operation one page of it): the
    // cost with the request's variables is checked against the same limit.
    const costs = new CostLimits({ maximumAvailable: DEFAULTS.maxCost, restoreRate: 1 }, DEFAULTS);
    for (const route of routes) {
      const page = route.pages ? (route.pageSize ?? 100) : 200;
      const cost = costs.costOf(schema, parse(route.document), undefined, { first: page, limit: 200 });
      expect([route.operationId, cost <= DEFAULTS.maxCost]).toEqual([route.operationId, true]);
    }
    // The widest: the docs' query across the four subgraphs, and the benchmark's.
    const widest = documentedQueries().map((text) => measure(text).cost ?? 0);
    expect(Math.max(...widest)).toBeGreaterThan(2500);
    expect(Math.max(...widest)).toBeLessThan(DEFAULTS.maxCost / 2);
  });

  it('refuse a deep, and a wide, query, naming the limit and the value', () => {
    const deep =
      '{ payment(id: "1") { order { location { orders(first: 100) { nodes { payments { nodes { order { location { orders ' +
      '{ nodes { payments { totalCount } } } } } } } } } } } } }';
    const [depth, cost] = limitErrors(deep);
    expect(depth.message).toBe('The query is 13 levels deep; the maximum depth is 12');
    expect(depth.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'depth', maximum: 12, actual: 13 });
    expect(cost.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'cost', maximum: 20_000 });

    // Ten levels only, but locations × orders × payments × refunds rows, and checks × items of each payment.
    const wide =
      'query Wide { locations { nodes { orders { nodes { payments { nodes { refunds { nodes { id amountCents } } order { checks { items { name } } } } } } } } } }';
    const errors = limitErrors(wide);
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/^Operation Wide costs \d+; the maximum cost is 20000 \(each field costs 1/);
    expect(errors[0].extensions.actual).toBeGreaterThan(20_000);
  });

  it('measure fragments once however often they are spread, and survive a fragment cycle', () => {
    // 40 fragments each spreading the next twice: 2^40 spreads if expanded, measured in 40 steps.
    const fragments = Array.from(
      { length: 40 },
      (_, i) =>
        `fragment F${i} on Location { ${i === 39 ? 'id' : `a: openChecks { location { ...F${i + 1} } } b: openChecks { location { ...F${i + 1} } }`} }`,
    ).join('\n');
    const started = performance.now();
    const errors = validate(
      schema,
      parse(`{ locations { nodes { ...F0 } } } ${fragments}`),
      operationLimitRules(DEFAULTS),
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(errors.map((e) => e.extensions.limit)).toEqual(['depth', 'cost']);

    const cyclic = parse(
      '{ locations { nodes { ...A } } } fragment A on Location { orders { nodes { location { ...A } } } }',
    );
    expect(validate(schema, cyclic, operationLimitRules(DEFAULTS))).toEqual([]);
  });

  it('remember the answer per parsed document for the graphql-ws server', () => {
    let runs = 0;
    const counting = operationLimitRules(DEFAULTS).map((rule) => (context: Parameters<typeof rule>[0]) => {
      runs++;
      return rule(context);
    });
    const check = documentLimits(schema, counting);
    const document = parse('{ locations { nodes { id } } }');
    expect(check(document)).toEqual([]);
    expect(check(document)).toEqual([]);
    expect(runs).toBe(2);
  });
});

describe('RateLimiter', () => {
  it('lets a burst through, refuses the next with the seconds until a token is back, and refills', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 2, burst: 3 }, () => now);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([null, null, null]);
    expect(limiter.take('a')).toEqual({ retryAfterSeconds: 1 });
    // Another caller has a bucket of its own.
    expect(limiter.take('b')).toBeNull();
    now += 500; // one token back (2 a second)
    expect(limiter.take('a')).toBeNull();
    expect(limiter.take('a')).toEqual({ retryAfterSeconds: 1 });
    now += 10_000; // refilled to the burst, not beyond
    for (let i = 0; i < 3; i++) expect(limiter.take('a')).toBeNull();
    expect(limiter.take('a')).not.toBeNull();
  });

  it('says how long to wait at slow rates, and is off at 0', () => {
    let now = 0;
    const slow = new RateLimiter({ perSecond: 0.1, burst: 1 }, () => now);
    expect(slow.take('a')).toBeNull();
    expect(slow.take('a')).toEqual({ retryAfterSeconds: 10 });
    now += 4000;
    expect(slow.take('a')).toEqual({ retryAfterSeconds: 6 });
    const off = new RateLimiter({ perSecond: 0, burst: 1 }, () => now);
    for (let i = 0; i < 1000; i++) expect(off.take('a')).toBeNull();
    expect(off.size).toBe(0);
  });

  it('forgets callers whose bucket has refilled, and holds at most maxKeys', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 10, burst: 10 }, () => now, 3);
    for (const key of ['a', 'b', 'c', 'd']) limiter.take(key);
    expect(limiter.size).toBe(3);
    now += 1000; // a full bucket is no bucket
    limiter.take('e');
    expect(limiter.size).toBe(1);
  });

  it('is on in every mode unless set to 0; the burst defaults to twice the rate', () => {
    const limits = (env: Record<string, string>) => {
      const hardening = hardeningOf(settings(env));
      return { requests: hardening.requests.limit, tokens: hardening.tokens.limit, costs: hardening.costs.limit };
    };
    const defaults = {
      requests: { perSecond: 100, burst: 200 },
      tokens: { perSecond: 5, burst: 50 },
      costs: { maximumAvailable: 20_000, restoreRate: 2_000 },
    };
    expect(limits({ NODE_ENV: 'production' })).toEqual(defaults);
    expect(limits({ NODE_ENV: 'development' })).toEqual(defaults);
    const off = limits({
      RATE_LIMIT_PER_SECOND: '0',
      TOKEN_RATE_LIMIT_PER_SECOND: '0',
      COST_LIMIT_RESTORE_PER_SECOND: '0',
    });
    expect([off.requests.perSecond, off.tokens.perSecond, off.costs.restoreRate]).toEqual([0, 0, 0]);
    expect(limits({ RATE_LIMIT_PER_SECOND: '20', TOKEN_RATE_LIMIT_PER_SECOND: '0.5' })).toMatchObject({
      requests: { perSecond: 20, burst: 40 },
      tokens: { perSecond: 0.5, burst: 5 },
    });
    expect(limits({ RATE_LIMIT_PER_SECOND: '20', RATE_LIMIT_BURST: '5' }).requests).toEqual({
      perSecond: 20,
      burst: 5,
    });
    // A bucket smaller than the largest operation would refuse that operation for ever.
    expect(() => settings({ COST_LIMIT_MAXIMUM: '5000' })).toThrow(/at least MAX_QUERY_COST/);
    expect(settings({ COST_LIMIT_MAXIMUM: '5000', MAX_QUERY_COST: '5000' }).COST_LIMIT_MAXIMUM).toBe(5000);
  });
});

describe('CostLimits', () => {
  const principal = partnerPrincipal('demo', ['tilt/pos:read']);
  const operationOf = (text: string) => getOperationAST(parse(text))!;
  const costOf = (limits: CostLimits, text: string, variables?: Record<string, unknown>) =>
    limits.costOf(schema, parse(text), undefined, variables);

  it('counts a variable list size by its value, and a mutation’s fields as 10 each', () => {
    const limits = new CostLimits({ maximumAvailable: 100, restoreRate: 10 }, DEFAULTS);
    const ledger = 'query ($n: Int!) { loyaltyCustomer(code: "482193") { transactions(first: $n) { nodes { id } } } }';
    expect(costOf(limits, ledger, { n: 30 })).toBe(1 + 1 + 1 + 30);
    expect(costOf(limits, ledger, { n: 5_000 })).toBe(1 + 1 + 1 + MAX_LIST_SIZE);
    const mutation = (count: number) =>
      `mutation { ${Array.from({ length: count }, (_, i) => `m${i}: lockCheck(input: { checkId: "1" }) { check { id } }`).join(' ')} }`;
    // Each: the mutation field, and 1 for each object it answers (its payload, the check inside).
    expect(costOf(limits, mutation(1))).toBe(MUTATION_FIELD_COST + 2);
    expect(costOf(limits, mutation(500))).toBe(500 * (MUTATION_FIELD_COST + 2));
    // A fragment on the mutation root weighs as its fields do.
    expect(
      costOf(
        limits,
        'mutation { ...M } fragment M on Mutation { lockCheck(input: { checkId: "1" }) { check { id } } }',
      ),
    ).toBe(12);
  });

  it('spends from a bucket that refills, refuses what it cannot pay without spending, and is off at 0', () => {
    let now = 0;
    const limits = new CostLimits({ maximumAvailable: 100, restoreRate: 10 }, { ...DEFAULTS, maxCost: 100 }, () => now);
    const query = operationOf('{ locations { nodes { id } } }');
    expect(limits.charge(principal, 60, query)).toEqual({
      cost: {
        requestedQueryCost: 60,
        actualQueryCost: 0,
        throttleStatus: { maximumAvailable: 100, currentlyAvailable: 40, restoreRate: 10 },
      },
      refusal: null,
    });
    const refused = limits.charge(principal, 60, query);
    expect(refused.cost.throttleStatus!.currentlyAvailable).toBe(40);
    expect(refused.refusal!.extensions).toEqual({ code: 'RATE_LIMITED', reason: 'cost_limit', retryAfterSeconds: 2 });
    now += 2_000;
    expect(limits.charge(principal, 60, query).refusal).toBeNull();
    // Over the largest cost any operation may have: refused as the validation limit refuses it.
    expect(limits.charge(principal, 101, query).refusal!.extensions).toMatchObject({
      code: 'GRAPHQL_VALIDATION_FAILED',
      limit: 'cost',
      actual: 101,
    });
    // After it ran, a query is refunded what its answer does not hold; a mutation keeps what it paid.
    now += 10_000; // full again
    const paid = limits.charge(principal, 60, query).cost;
    expect(paid.throttleStatus!.currentlyAvailable).toBe(40);
    const answer = { locations: { nodes: [{ id: '1' }, { id: '2' }] } }; // 1 + 1 + 2 × 1
    expect(limits.settle(principal, paid, answer, false)).toMatchObject({
      requestedQueryCost: 60,
      actualQueryCost: 4,
      throttleStatus: { currentlyAvailable: 96 },
    });
    expect(limits.settle(principal, limits.charge(principal, 60, query).cost, null, true)).toMatchObject({
      actualQueryCost: 60,
      throttleStatus: { currentlyAvailable: 36 },
    });
    const off = new CostLimits({ maximumAvailable: 100, restoreRate: 0 }, DEFAULTS);
    expect(off.charge(principal, 99, query)).toEqual({
      cost: { requestedQueryCost: 99, actualQueryCost: 0, throttleStatus: null },
      refusal: null,
    });
  });
});

describe('bodyErrorHandler', () => {
  // Found by test/reliability/bad-input.test.ts: both reached the last handler as 500s.
  it('answers a malformed percent-escape in a path parameter and a body not compressed as it says with a 400', async () => {
    const app = express();
    app.post('/pos/v1/orders/:id', express.json(), (_req, res) => {
      res.json({ ok: true });
    });
    app.use(bodyErrorHandler());
    app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ status: 500 });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const answer = async (path: string, headers: Record<string, string> = {}) => {
        const response = await fetch(`${origin}${path}`, { method: 'POST', headers, body: '{}' });
        return { status: response.status, body: (await response.json()) as { details?: string[] } };
      };
      for (const escape of ['%zz', '%', '%FF%FE', '%ED%A0%80']) {
        expect(await answer(`/pos/v1/orders/${escape}`)).toMatchObject({
          status: 400,
          body: { details: ['path: malformed percent-encoding'] },
        });
      }
      for (const encoding of ['gzip', 'deflate', 'br']) {
        expect(
          await answer('/pos/v1/orders/1', { 'content-type': 'application/json', 'content-encoding': encoding }),
        ).toMatchObject({
          status: 400,
          body: { details: ['body: not encoded as its Content-Encoding says'] },
        });
      }
      expect((await answer('/pos/v1/orders/1', { 'content-type': 'application/json' })).status).toBe(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
