import { randomUUID } from 'node:crypto';
import { payOrder, paymentsSql } from '../support/payments';
import { Receiver } from '../support/receiver';
import { restClient } from '../support/rest';
import { type Stack, startStack } from '../support/stack';

/**
 * Relay connections through the gateway: keyset pages forwards and backwards over more rows than the largest page,
 * the page-size limit as an error (not a silent cut), pages that stay put while rows are inserted, totalCount,
 * filters, the tenant scope (another reader's cursor shows nothing of theirs) and the cost rule counting `first`.
 */

type Caller = { key: string } | { token: string };
interface Page<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}
const PAGE = 'edges { cursor node { id } } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';

describe('connections through the gateway', () => {
  let stack: Stack;
  let partner: string;
  let other: string;
  const receiver = new Receiver();
  beforeAll(async () => {
    stack = await startStack();
    [partner, other] = await Promise.all([stack.token(), stack.token('other-partner', 'other-secret')]);
  });
  afterAll(async () => {
    await receiver.close();
    await stack?.close();
  });

  const gql = (caller: Caller, query: string, variables: Record<string, unknown> = {}) =>
    'key' in caller
      ? stack.graphql(query, variables, null, { 'x-api-key': caller.key })
      : stack.graphql(query, variables, caller.token);
  const ok = async (caller: Caller, query: string, variables: Record<string, unknown> = {}) => {
    const { body } = await gql(caller, query, variables);
    expect(body.errors).toBeUndefined();
    return body.data as Record<string, any>;
  };
  const STANDARD: Caller = { key: 'demo-loyalty-standard' };

  /** Every page of a list, following `endCursor` (or `startCursor` backwards) until the list says it ends. */
  async function readAll(
    read: (args: Record<string, unknown>) => Promise<Page<{ id: string }>>,
    size: number,
    backward = false,
  ): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page = await read(backward ? { last: size, before: cursor } : { first: size, after: cursor });
      expect(page.nodes).toEqual(page.edges.map((edge) => edge.node));
      expect(page.nodes.length).toBeLessThanOrEqual(size);
      if (backward) ids.unshift(...page.nodes.map((n) => n.id));
      else ids.push(...page.nodes.map((n) => n.id));
      const more = backward ? page.pageInfo.hasPreviousPage : page.pageInfo.hasNextPage;
      if (!more) return ids;
      cursor = backward ? page.pageInfo.startCursor : page.pageInfo.endCursor;
    }
  }

  describe('LoyaltyCustomer.transactions and coupons', () => {
    const CODE = '482193';
    const transactions = async (args: Record<string, unknown>, caller: Caller = STANDARD) =>
      (
        await ok(
          caller,
          `query($code: String!, $first: Int, $after: String, $last: Int, $before: String) {
            loyaltyCustomer(code: $code) {
              transactions(first: $first, after: $after, last: $last, before: $before) { ${PAGE} totalCount }
            } }`,
          { code: CODE, ...args },
        )
      ).loyaltyCustomer.transactions as Page<{ id: string }>;
    let n = 0;
    const earn = (count: number) =>
      Promise.all(
        Array.from({ length: count }, () =>
          ok(STANDARD, 'mutation($input: EarnLoyaltyInput!) { earnLoyalty(input: $input) { points } }', {
            input: { customerCode: CODE, amountMinor: 100, externalId: `paging-${++n}` },
          }),
        ),
      );

    beforeAll(async () => {
      // More rows than the largest page; ten at a time, so some share a millisecond and the id orders them.
      for (let i = 0; i < 12; i++) await earn(10);
    });

    it('pages forwards and backwards through more than 100 rows, newest first, each row once', async () => {
      const first = await transactions({});
      expect(first.nodes).toHaveLength(20);
      expect(first.totalCount).toBe(121);
      expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });

      const forwards = await readAll(transactions, 100);
      expect(forwards).toHaveLength(121);
      expect(new Set(forwards).size).toBe(121);
      expect(forwards.slice(0, 20)).toEqual(first.nodes.map((t) => t.id));
      const backwards = await readAll(transactions, 100, true);
      expect(backwards).toEqual(forwards);
      expect(await readAll(transactions, 7)).toEqual(forwards);

      const last = await transactions({ last: 1 });
      expect(last.nodes.map((t) => t.id)).toEqual([forwards.at(-1)]);
      expect(last.pageInfo).toMatchObject({ hasPreviousPage: true });
      const empty = await transactions({ first: 0 });
      expect(empty).toMatchObject({ nodes: [], pageInfo: { startCursor: null, endCursor: null }, totalCount: 121 });
    });

    it('keeps its pages when rows are inserted between two of them', async () => {
      const before = await readAll(transactions, 100);
      const one = await transactions({ first: 30 });
      await earn(5);
      const two = await transactions({ first: 100, after: one.pageInfo.endCursor });
      expect([...one.nodes, ...two.nodes].map((t) => t.id)).toEqual(before.slice(0, 130));
      expect(two.totalCount).toBe(before.length + 5);
      // The new rows are at the head of the list: before the first page's start cursor.
      const newer = await transactions({ last: 100, before: one.pageInfo.startCursor });
      expect(newer.nodes).toHaveLength(5);
      expect(newer.pageInfo.hasPreviousPage).toBe(false);
    });

    it.each([
      [{ first: 101 }, 'first'],
      [{ first: -1 }, 'first'],
      [{ last: 101 }, 'last'],
      [{ first: 1, last: 1 }, 'last'],
      [{ after: 'not-a-cursor' }, 'after'],
    ])('refuses %p with BAD_USER_INPUT naming %s, not a silent cut', async (args, name) => {
      const { body } = await gql(
        STANDARD,
        `query($code: String!, $first: Int, $after: String, $last: Int) {
          loyaltyCustomer(code: $code) { transactions(first: $first, after: $after, last: $last) { nodes { id } } } }`,
        { code: CODE, ...args },
      );
      expect(body.errors).toHaveLength(1);
      expect(body.errors![0]).toMatchObject({
        message: expect.stringContaining(name),
        extensions: { code: 'BAD_USER_INPUT', reason: 'validation_error' },
      });
    });

    it('finds nothing of another customer with a cursor of their list', async () => {
      const theirs = await transactions({ first: 1 });
      const mine = (
        await ok(
          { key: 'demo-loyalty-balanced' },
          `query($after: String) { a: loyaltyCustomer(code: "582193") { transactions(first: 100, after: $after) {
            nodes { id customer { code } } totalCount } } }`,
          { after: theirs.pageInfo.endCursor },
        )
      ).a.transactions;
      expect(mine.nodes.every((t: any) => t.customer.code === '582193')).toBe(true);
      expect(mine.nodes.map((t: any) => t.id)).not.toContain(theirs.nodes[0].id);
      // The other org's key does not see this customer at all.
      expect(
        (await ok({ key: 'demo-loyalty-balanced' }, `{ loyaltyCustomer(code: "${CODE}") { id } }`)).loyaltyCustomer,
      ).toBeNull();
    });

    it('filters coupons by status, each status a page of its own', async () => {
      const coupons = (status: string[]) =>
        ok(
          { token: partner },
          `query($status: [CouponStatus!]!) { loyaltyCustomer(code: "482193") {
            coupons(status: $status, first: 5) { nodes { id status } totalCount pageInfo { hasNextPage } } } }`,
          { status },
        ).then((data) => data.loyaltyCustomer.coupons);
      const all = await coupons(['ACTIVE', 'REDEEMED', 'VOID']);
      const active = await coupons(['ACTIVE']);
      expect(active.nodes.every((c: any) => c.status === 'ACTIVE')).toBe(true);
      expect(all.totalCount).toBeGreaterThanOrEqual(active.totalCount);
      expect(all.pageInfo.hasNextPage).toBe(all.totalCount > 5);
    });
  });

  describe('webhook endpoints and deliveries', () => {
    const ROWS = 150;
    let endpointId: string;
    const deliveries = async (args: Record<string, unknown>, token = partner) =>
      (
        await ok(
          { token },
          `query($endpointId: ID, $status: WebhookDeliveryStatus, $first: Int, $after: String, $last: Int,
            $before: String) {
            webhookDeliveries(endpointId: $endpointId, status: $status, first: $first, after: $after, last: $last,
              before: $before) { ${PAGE} totalCount } }`,
          { endpointId, ...args },
        )
      ).webhookDeliveries as Page<{ id: string }>;

    beforeAll(async () => {
      const created = await ok(
        { token: partner },
        `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { id } } }`,
        { input: { url: await receiver.listen(), eventTypes: ['PAYMENT_APPROVED'] } },
      );
      endpointId = created.createWebhookEndpoint.webhookEndpoint.id;
      // A long history, written as the outbox writes it (delivered, so no worker picks it up), a millisecond apart.
      const base = Date.now() - 60_000;
      for (let i = 0; i < ROWS; i++) {
        await paymentsSql(
          stack,
          `insert into payments.webhook_delivery (id, tenant_id, endpoint_id, event_id, event_seq, event_type, status,
             attempts, next_attempt_at, created_at) values (?, 'demo', ?, ?, ?, 'payment.approved', 'DELIVERED', 1, ?, ?)`,
          [randomUUID(), endpointId, randomUUID(), 1_000_000 + i, new Date(base), new Date(base + i)],
        );
      }
    });

    it('pages through an endpoint’s deliveries, filters by status, and the REST limit of 200 reads two pages', async () => {
      const all = await readAll(deliveries, 100);
      expect(all).toHaveLength(ROWS);
      expect(await readAll(deliveries, 100, true)).toEqual(all);
      expect((await deliveries({ status: 'DELIVERED', first: 0 })).totalCount).toBe(ROWS);
      expect((await deliveries({ status: 'DEAD' })).totalCount).toBe(0);
      const { body } = await gql(
        { token: partner },
        `query($id: ID!) { webhookEndpoint(id: $id) { deliveries(first: 101) { nodes { id } } } }`,
        { id: endpointId },
      );
      expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });

      const call = restClient(
        () => stack,
        () => partner,
      );
      const rest = await call('GET', `/pos/v1/webhook-endpoints/${endpointId}/deliveries?limit=200`);
      expect(rest.status).toBe(200);
      expect(rest.body.data.map((d: { id: string }) => d.id)).toEqual(all);
      const some = await call('GET', `/pos/v1/webhook-endpoints/${endpointId}/deliveries?limit=130`);
      expect(some.body.data.map((d: { id: string }) => d.id)).toEqual(all.slice(0, 130));
      const listed = await call('GET', '/pos/v1/webhook-endpoints');
      expect(listed.body.data.map((e: { id: string }) => e.id)).toContain(endpointId);
    });

    it('shows another partner none of them, with or without a cursor of this partner’s list', async () => {
      const mine = await deliveries({ first: 10 });
      const theirs = await ok(
        { token: other },
        `query($after: String) { webhookDeliveries(first: 100, after: $after) { nodes { id tenantId } totalCount }
            webhookEndpoints { nodes { id } totalCount } }`,
        { after: mine.pageInfo.endCursor },
      );
      expect(theirs.webhookDeliveries.nodes.filter((d: any) => d.tenantId !== 'other')).toEqual([]);
      expect(theirs.webhookEndpoints.nodes.map((e: any) => e.id)).not.toContain(endpointId);
      const filtered = await ok(
        { token: other },
        `query($endpointId: ID) { webhookDeliveries(endpointId: $endpointId) { nodes { id } totalCount } }`,
        { endpointId },
      );
      expect(filtered.webhookDeliveries).toEqual({ nodes: [], totalCount: 0 });
    });
  });

  describe('Location.checks', () => {
    const CHECKS = `query($id: ID!, $status: [CheckStatus!], $first: Int, $after: String) {
      location(id: $id) { checks(filter: { status: $status }, first: $first, after: $after) {
        nodes { id posRef status } totalCount pageInfo { hasNextPage endCursor } } } }`;

    it('pages a location’s checks by status, oldest first, and shows another partner none of them', async () => {
      const all = (await ok({ token: partner }, CHECKS, { id: '1', status: ['OPEN', 'CLOSED'], first: 100 })).location
        .checks;
      const open = (await ok({ token: partner }, CHECKS, { id: '1' })).location.checks;
      expect(open.nodes.every((c: any) => c.status === 'OPEN')).toBe(true);
      expect(open.totalCount).toBe(open.nodes.length);
      const first = (await ok({ token: partner }, CHECKS, { id: '1', status: ['OPEN', 'CLOSED'], first: 2 })).location
        .checks;
      const rest = (
        await ok({ token: partner }, CHECKS, {
          id: '1',
          status: ['OPEN', 'CLOSED'],
          first: 100,
          after: first.pageInfo.endCursor,
        })
      ).location.checks;
      expect([...first.nodes, ...rest.nodes]).toEqual(all.nodes);
      expect(first.pageInfo.hasNextPage).toBe(all.totalCount > 2);

      // Another partner: its own location 3 with this partner's cursor lists only its own checks.
      const theirs = await ok({ token: other }, CHECKS, { id: '3', after: first.pageInfo.endCursor });
      const ids = new Set(all.nodes.map((c: any) => c.id));
      expect((theirs.location?.checks.nodes ?? []).filter((c: any) => ids.has(c.id))).toEqual([]);
      const mine = await ok({ token: other }, CHECKS, { id: '1' });
      expect(mine.location?.checks.nodes ?? []).toEqual([]);
    });
  });

  describe('orders and Location.orders', () => {
    const ORDERS = `query($filter: OrderFilter, $orderBy: OrderOrder, $first: Int, $after: String, $last: Int,
      $before: String) { orders(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last,
      before: $before) { ${PAGE} totalCount } }`;
    const LOCATION_ORDERS = `query($id: ID!, $filter: OrderListFilter, $orderBy: OrderOrder, $first: Int,
      $after: String, $last: Int, $before: String) { location(id: $id) { orders(filter: $filter, orderBy: $orderBy,
      first: $first, after: $after, last: $last, before: $before) { ${PAGE} totalCount } } }`;
    const orders = async (args: Record<string, unknown>, token = partner) =>
      (await ok({ token }, ORDERS, args)).orders as Page<{ id: string }>;
    const atLocation =
      (id: string, more: Record<string, unknown> = {}) =>
      async (args: Record<string, unknown>) =>
        (await ok({ token: partner }, LOCATION_ORDERS, { id, ...more, ...args })).location.orders as Page<{
          id: string;
        }>;
    const create = (count: number, locationId = '2') =>
      Promise.all(
        Array.from({ length: count }, () =>
          ok(
            { token: partner },
            `mutation($loc: ID!) { createOrder(input: { locationId: $loc, currency: "USD", totalMinor: 500 }) {
              order { id createdAt } } }`,
            { loc: locationId },
          ).then((data) => data.createOrder.order as { id: string; createdAt: string }),
        ),
      );
    const created: { id: string; createdAt: string }[] = [];

    beforeAll(async () => {
      // More than two pages of 20; fifteen at a time, so some share a millisecond and the id orders them.
      for (let i = 0; i < 3; i++) created.push(...(await create(15)));
    });

    it('pages the caller’s orders forwards and backwards, newest first, each order once, with totalCount', async () => {
      const first = await orders({});
      expect(first.nodes).toHaveLength(20);
      expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      const forwards = await readAll(orders, 20);
      expect(forwards.length).toBe(first.totalCount);
      expect(new Set(forwards).size).toBe(forwards.length);
      expect(forwards).toEqual(expect.arrayContaining(created.map((o) => o.id)));
      expect(forwards.slice(0, 20)).toEqual(first.nodes.map((o) => o.id));
      expect(await readAll(orders, 20, true)).toEqual(forwards);
      expect(await readAll(orders, 7)).toEqual(forwards);
      // orderBy: oldest first is the same list the other way round.
      const oldest = await readAll((args) => orders({ ...args, orderBy: 'CREATED_AT_ASC' }), 30);
      expect(oldest).toEqual([...forwards].reverse());
    });

    it('pages a location’s orders, oldest first, and filters by location, status and creation time', async () => {
      const all = await readAll(atLocation('2'), 20);
      expect(all).toEqual(expect.arrayContaining(created.map((o) => o.id)));
      expect(new Set(all).size).toBe(all.length);
      expect(await readAll(atLocation('2'), 20, true)).toEqual(all);
      expect(await readAll(atLocation('2', { orderBy: 'CREATED_AT_DESC' }), 20)).toEqual([...all].reverse());
      const root = await readAll((args) => orders({ ...args, filter: { locationIds: ['2'] } }), 50);
      expect(root).toEqual([...all].reverse());
      expect((await orders({ filter: { locationIds: ['2'] }, first: 0 })).totalCount).toBe(all.length);
      expect((await orders({ filter: { status: ['OPEN'], locationIds: ['2'] }, first: 0 })).totalCount).toBe(
        all.length,
      );

      // A half-open range of creation times: from the 11th of the created orders, up to (not including) the 31st.
      const sorted = [...created].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      const from = sorted[10].createdAt;
      const to = sorted[30].createdAt;
      const ranged = await readAll(atLocation('2', { filter: { createdAfter: from, createdBefore: to } }), 20);
      const expected = all.filter((id) => {
        const at = created.find((o) => o.id === id)?.createdAt;
        return at !== undefined && at >= from && at < to;
      });
      expect(ranged).toEqual(expected);
      expect(ranged.length).toBeGreaterThanOrEqual(1);
      const range = await atLocation('2', { filter: { createdAfter: from, createdBefore: to } })({ first: 0 });
      expect(range.totalCount).toBe(expected.length);
    });

    it('keeps its pages when orders are created between two of them', async () => {
      const before = await readAll(orders, 100);
      const one = await orders({ first: 30 });
      const added = await create(3);
      const two = await orders({ first: 100, after: one.pageInfo.endCursor });
      expect([...one.nodes, ...two.nodes].map((o) => o.id)).toEqual(before.slice(0, 130));
      expect(two.totalCount).toBe(before.length + 3);
      // Newest first: the new orders are before the first page's start cursor.
      const newer = await orders({ last: 100, before: one.pageInfo.startCursor });
      expect(newer.nodes.map((o) => o.id).sort()).toEqual(added.map((o) => o.id).sort());
      created.push(...added);
    });

    it('refuses first above 100 with BAD_USER_INPUT, on the root list and a location’s', async () => {
      for (const [query, variables] of [
        [ORDERS, { first: 101 }],
        [LOCATION_ORDERS, { id: '2', first: 101 }],
        [ORDERS, { filter: { locationIds: ['not-a-location'] } }],
      ] as const) {
        const { body } = await gql({ token: partner }, query, variables);
        expect(body.errors![0]).toMatchObject({
          extensions: { code: 'BAD_USER_INPUT', reason: 'validation_error' },
        });
      }
    });

    it('shows another partner none of them, with or without a cursor of this partner’s list', async () => {
      const mine = await orders({ first: 10 });
      const ids = new Set(created.map((o) => o.id));
      const theirs = await orders({ first: 100, after: mine.pageInfo.endCursor }, other);
      expect(theirs.nodes.filter((o) => ids.has(o.id))).toEqual([]);
      const everything = await readAll((args) => orders(args, other), 100);
      expect(everything.filter((id) => ids.has(id))).toEqual([]);
      const filtered = await orders({ filter: { locationIds: ['2'] } }, other);
      expect(filtered).toMatchObject({ nodes: [], totalCount: 0 });
      const location = await ok({ token: other }, LOCATION_ORDERS, { id: '2' });
      expect(location.location).toBeNull();
    });
  });

  describe('payments, Location.payments, Order.payments and Payment.refunds', () => {
    const PAYMENTS = `query($filter: PaymentFilter, $orderBy: PaymentOrder, $first: Int, $after: String, $last: Int,
      $before: String) { payments(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last,
      before: $before) { ${PAGE} totalCount } }`;
    const LOCATION_PAYMENTS = `query($id: ID!, $filter: PaymentListFilter, $orderBy: PaymentOrder, $first: Int,
      $after: String, $last: Int, $before: String) { location(id: $id) { payments(filter: $filter, orderBy: $orderBy,
      first: $first, after: $after, last: $last, before: $before) { ${PAGE} totalCount } } }`;
    const ORDER_PAYMENTS = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
      order(id: $id) { payments(first: $first, after: $after, last: $last, before: $before) { ${PAGE} totalCount } } }`;
    const REFUNDS = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
      payment(id: $id) { refunds(first: $first, after: $after, last: $last, before: $before) { ${PAGE} totalCount } } }`;
    const payments = async (args: Record<string, unknown>, token = partner) =>
      (await ok({ token }, PAYMENTS, args)).payments as Page<{ id: string }>;
    const atLocation =
      (id: string, more: Record<string, unknown> = {}) =>
      async (args: Record<string, unknown>) =>
        (await ok({ token: partner }, LOCATION_PAYMENTS, { id, ...more, ...args })).location.payments as Page<{
          id: string;
        }>;
    const paid: string[] = [];
    let splitOrder: string;
    const splitPayments: string[] = [];
    let refunded: string;
    const refunds: string[] = [];
    const mutate = (query: string, variables: Record<string, unknown>) => ok({ token: partner }, query, variables);

    beforeAll(async () => {
      // Thirty paid orders at location 2, ten at a time.
      for (let i = 0; i < 3; i++) {
        const batch = await Promise.all(
          Array.from({ length: 10 }, () => payOrder(stack, partner, { locationId: '2', amountCents: 700 })),
        );
        paid.push(...batch.map((p) => p.paymentId));
      }
      // One order paid in five parts, one payment refunded in four.
      splitOrder = (
        await mutate(
          `mutation { createOrder(input: { locationId: "2", currency: "USD", totalMinor: 5000 }) { order { id } } }`,
          {},
        )
      ).createOrder.order.id;
      for (let i = 0; i < 5; i++) {
        const { createPayment } = await mutate(
          `mutation($id: ID!) { createPayment(input: { orderId: $id, amountMinor: 1000, currency: "USD",
            cardToken: "tok_visa" }) { payment { id } } }`,
          { id: splitOrder },
        );
        splitPayments.push(createPayment.payment.id);
      }
      refunded = splitPayments[0];
      for (let i = 0; i < 4; i++) {
        const { refundPayment } = await mutate(
          `mutation($id: ID!) { refundPayment(input: { paymentId: $id, amountMinor: 100 }) { refund { id } } }`,
          { id: refunded },
        );
        refunds.push(refundPayment.refund.id);
      }
    });

    it('pages the caller’s payments forwards and backwards, newest first, each once, with totalCount', async () => {
      const first = await payments({});
      expect(first.nodes).toHaveLength(20);
      expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      const forwards = await readAll(payments, 20);
      expect(forwards.length).toBe(first.totalCount);
      expect(new Set(forwards).size).toBe(forwards.length);
      expect(forwards).toEqual(expect.arrayContaining([...paid, ...splitPayments]));
      expect(forwards.slice(0, 5)).toEqual([...splitPayments].reverse());
      expect(await readAll(payments, 20, true)).toEqual(forwards);
      expect(await readAll(payments, 7)).toEqual(forwards);
      expect(await readAll((args) => payments({ ...args, orderBy: 'CREATED_AT_ASC' }), 30)).toEqual(
        [...forwards].reverse(),
      );
    });

    it('pages a location’s payments oldest first, and filters by location, status and creation time', async () => {
      const all = await readAll(atLocation('2'), 20);
      expect(all).toEqual(expect.arrayContaining([...paid, ...splitPayments]));
      expect(await readAll(atLocation('2'), 20, true)).toEqual(all);
      expect(await readAll(atLocation('2', { orderBy: 'CREATED_AT_DESC' }), 20)).toEqual([...all].reverse());
      const root = await readAll((args) => payments({ ...args, filter: { locationIds: ['2'] } }), 50);
      expect(root).toEqual([...all].reverse());

      // The refunded payment is PARTIALLY_REFUNDED; the rest of the split order's are APPROVED.
      const partly = await payments({ filter: { status: ['PARTIALLY_REFUNDED'], locationIds: ['2'] } });
      expect(partly.nodes.map((p) => p.id)).toEqual([refunded]);
      const approved = await readAll(atLocation('2', { filter: { status: ['APPROVED'] } }), 50);
      expect(approved).toEqual(expect.arrayContaining(splitPayments.slice(1)));
      expect(approved).not.toContain(refunded);

      // A half-open range of creation times, from the second part of the split order up to (not including) the fifth.
      const createdAt = async (id: string) =>
        (await ok({ token: partner }, 'query($id: ID!) { payment(id: $id) { createdAt } }', { id })).payment
          .createdAt as string;
      const [from, to] = [await createdAt(splitPayments[1]), await createdAt(splitPayments[4])];
      const ranged = await atLocation('2', { filter: { createdAfter: from, createdBefore: to } })({ first: 100 });
      expect(ranged.nodes.map((p) => p.id)).toEqual(splitPayments.slice(1, 4));
      expect(ranged.totalCount).toBe(3);
    });

    it('pages an order’s payments and a payment’s refunds, oldest first', async () => {
      const ofOrder = async (args: Record<string, unknown>) =>
        (await ok({ token: partner }, ORDER_PAYMENTS, { id: splitOrder, ...args })).order.payments as Page<{
          id: string;
        }>;
      expect(await readAll(ofOrder, 2)).toEqual(splitPayments);
      expect(await readAll(ofOrder, 2, true)).toEqual(splitPayments);
      expect((await ofOrder({ first: 1 })).totalCount).toBe(5);
      const ofPayment = async (args: Record<string, unknown>) =>
        (await ok({ token: partner }, REFUNDS, { id: refunded, ...args })).payment.refunds as Page<{ id: string }>;
      expect(await readAll(ofPayment, 3)).toEqual(refunds);
      expect(await readAll(ofPayment, 3, true)).toEqual(refunds);
      expect((await ofPayment({ first: 0 })).totalCount).toBe(4);
    });

    it('keeps its pages when payments are taken between two of them', async () => {
      const before = await readAll(payments, 100);
      const one = await payments({ first: 15 });
      const added = await payOrder(stack, partner, { locationId: '2', amountCents: 300 });
      const two = await payments({ first: 100, after: one.pageInfo.endCursor });
      expect([...one.nodes, ...two.nodes].map((p) => p.id)).toEqual(before.slice(0, 115));
      expect(two.totalCount).toBe(before.length + 1);
      const newer = await payments({ last: 100, before: one.pageInfo.startCursor });
      expect(newer.nodes.map((p) => p.id)).toEqual([added.paymentId]);
    });

    it('refuses first above 100 with BAD_USER_INPUT on every payments list', async () => {
      for (const [query, variables] of [
        [PAYMENTS, { first: 101 }],
        [LOCATION_PAYMENTS, { id: '2', first: 101 }],
        [ORDER_PAYMENTS, { id: splitOrder, first: 101 }],
        [REFUNDS, { id: refunded, last: 101 }],
      ] as const) {
        const { body } = await gql({ token: partner }, query, variables);
        expect(body.errors![0]).toMatchObject({
          extensions: { code: 'BAD_USER_INPUT', reason: 'validation_error' },
        });
      }
    });

    it('shows another partner none of them, with or without a cursor of this partner’s list', async () => {
      const mine = await payments({ first: 10 });
      const ids = new Set([...paid, ...splitPayments]);
      const theirs = await payments({ first: 100, after: mine.pageInfo.endCursor }, other);
      expect(theirs.nodes.filter((p) => ids.has(p.id))).toEqual([]);
      const everything = await readAll((args) => payments(args, other), 100);
      expect(everything.filter((id) => ids.has(id))).toEqual([]);
      expect(await payments({ filter: { locationIds: ['2'] } }, other)).toMatchObject({ nodes: [], totalCount: 0 });
      expect((await ok({ token: other }, LOCATION_PAYMENTS, { id: '2' })).location).toBeNull();
      expect((await ok({ token: other }, ORDER_PAYMENTS, { id: splitOrder })).order).toBeNull();
      expect((await ok({ token: other }, REFUNDS, { id: refunded })).payment).toBeNull();
    });
  });

  describe('the cost rule', () => {
    const cost = async (query: string, variables: Record<string, unknown> = {}) => {
      const { body } = await stack.graphql(query, variables, partner);
      return (body.extensions as { cost: { requestedQueryCost: number } }).cost.requestedQueryCost;
    };

    it('counts the edges and nodes of a connection once per row of its first or last, 20 without either', async () => {
      const q = (args: string) =>
        `{ loyaltyCustomer(code: "482193") { transactions${args} { nodes { id } edges { cursor } totalCount pageInfo { hasNextPage } } } }`;
      // loyaltyCustomer 1 + transactions 1 + nodes (1 + n) + edges (1 + n) + totalCount 1 + pageInfo (1 + 1)
      const expected = (rows: number) => 1 + 1 + (1 + rows) + (1 + rows) + 1 + 2;
      expect(await cost(q(''))).toBe(expected(20));
      expect(await cost(q('(first: 50)'))).toBe(expected(50));
      expect(await cost(q('(last: 3)'))).toBe(expected(3));
      expect(
        await cost('query($n: Int) { loyaltyCustomer(code: "482193") { transactions(first: $n) { nodes { id } } } }', {
          n: 7,
        }),
      ).toBe(1 + 1 + 1 + 7);
    });

    it('counts the orders and payments lists by their first too', async () => {
      expect(await cost('{ orders(first: 50) { nodes { id } totalCount } }')).toBe(1 + (1 + 50) + 1);
      expect(await cost('{ orders { nodes { id } } }')).toBe(1 + 1 + 20);
      expect(await cost('{ location(id: "1") { orders(first: 5) { nodes { id } } } }')).toBe(1 + 1 + 1 + 5);
      expect(await cost('{ payments(first: 30) { nodes { id } } }')).toBe(1 + 1 + 30);
      expect(await cost('{ location(id: "1") { payments(last: 4) { nodes { id } } } }')).toBe(1 + 1 + 1 + 4);
      expect(
        await cost(
          '{ order(id: "00000000-0000-4000-8000-000000000000") { payments { nodes { refunds(first: 3) { nodes { id } } } } } }',
        ),
      ).toBe(1 + 1 + 1 + 20 * (1 + 1 + 3));
    });
  });
});
