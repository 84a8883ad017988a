import { randomUUID } from 'node:crypto';
import { UUID, ext } from '../support/loyalty-api';
import {
  BALANCE,
  type Caller,
  EARN,
  REDEEM,
  REDEEM_COUPON,
  REFUSAL,
  TRANSACTION,
  loyaltyGraph,
  refusalOf,
} from '../support/loyalty-graph';

/**
 * The loyalty ledger through the gateway's /graphql: its rows (earn, redeem, coupon issue and redemption, reversal)
 * newest first and summing to the balances, reversals (once, and of earns and redeems only), idempotency keys on
 * redeemLoyaltyCoupon and reverseLoyaltyTransaction, and a transaction's link to its order through federation, which
 * another partner does not see. The actions themselves, their refusals and who sees what: graph-loyalty.test.ts.
 */

const REVERSE = `mutation($id: ID!) { reverseLoyaltyTransaction(input: { id: $id }) { ${BALANCE} } }`;

describe('GraphQL loyalty through the gateway: the ledger and its orders', () => {
  const graph = loyaltyGraph();
  const { gql, org, customerKey, ok, refused, customer, totalRows, advanceClock } = graph;
  let other: string;
  beforeAll(async () => {
    other = await graph.stack.token('other-partner', 'other-secret');
  });

  describe('the ledger', () => {
    it('lists earn, redeem, coupon issue, coupon redeem and reversal rows, newest first, summing to the balance', async () => {
      const code = '482195';
      const caller = org('standard');
      const start = await customer(code);
      const step = async (query: string, variables: Record<string, unknown>) => {
        advanceClock(1000);
        return ok(caller, query, variables);
      };
      const earned = await step(EARN, { input: { customerCode: code, amountMinor: 10_000, externalId: ext('l') } });
      const redeemed = await step(REDEEM, {
        input: { customerCode: code, cardType: 'POINT', value: 30, externalId: ext('l') },
      });
      const stamped = await step(EARN, {
        input: { customerCode: code, cardType: 'STAMP', stamps: 5 - start.stamps, externalId: ext('l') },
      });
      const coupon = stamped.earnLoyalty.coupon;
      expect(coupon).not.toBeNull();
      const used = await step(REDEEM_COUPON, { input: { token: coupon.qrToken } });
      const reversed = await step(REVERSE, { id: redeemed.redeemLoyalty.transaction.id });
      expect(reversed.reverseLoyaltyTransaction).toMatchObject({
        idempotentReplay: false,
        points: start.points + 100,
        transaction: { kind: 'REVERSAL', unit: 'POINT', delta: 30, balanceAfter: start.points + 100 },
      });

      const after = await customer(code);
      expect({ points: after.points, stamps: after.stamps }).toEqual({ points: start.points + 100, stamps: 0 });
      const fresh = after.transactions.slice(0, 6);
      expect(fresh.map((t: any) => [t.kind, t.unit, t.delta])).toEqual([
        ['REVERSAL', 'POINT', 30],
        ['COUPON_REDEEM', 'COUPON', -1],
        ['COUPON_ISSUE', 'STAMP', -5],
        ['EARN', 'STAMP', 5 - start.stamps],
        ['REDEEM', 'POINT', -30],
        ['EARN', 'POINT', 100],
      ]);
      expect(fresh.map((t: any) => t.id)).toEqual([
        reversed.reverseLoyaltyTransaction.transaction.id,
        used.redeemLoyaltyCoupon.transaction.id,
        expect.stringMatching(UUID),
        stamped.earnLoyalty.transaction.id,
        redeemed.redeemLoyalty.transaction.id,
        earned.earnLoyalty.transaction.id,
      ]);
      expect(fresh[1].coupon).toEqual({ id: coupon.id, status: 'REDEEMED' });
      expect(fresh[2].coupon).toEqual({ id: coupon.id, status: 'REDEEMED' });

      // The whole ledger sums to the balances, and each row's balanceAfter is the running sum of its unit.
      const all = [...after.transactions].reverse();
      const running: Record<string, number> = { POINT: 0, STAMP: 0 };
      for (const row of all) {
        if (row.unit === 'COUPON') continue;
        running[row.unit] += row.delta;
        expect({ id: row.id, balanceAfter: row.balanceAfter }).toEqual({ id: row.id, balanceAfter: running[row.unit] });
        expect(row.balanceAfter).toBeGreaterThanOrEqual(0);
      }
      expect(running).toEqual({ POINT: after.points, STAMP: after.stamps });
      // The customer's own dashboard shows the same ledger.
      const own = await ok(
        customerKey(code),
        `{ loyaltyDashboard { customer { points stamps transactions(first: 100) { nodes { id } } } } }`,
      );
      expect(own.loyaltyDashboard.customer).toEqual({
        points: after.points,
        stamps: after.stamps,
        transactions: { nodes: after.transactions.map((t: any) => ({ id: t.id })) },
      });
    });

    it('reverses an earn or a redeem once: the second time is 422 not_reversible; other kinds are not reversible', async () => {
      const code = '482193';
      const caller = org('standard');
      const before = await customer(code);
      advanceClock(1000);
      const earned = await ok(caller, EARN, {
        input: { customerCode: code, amountMinor: 4200, externalId: ext('rev') },
      });
      const id = earned.earnLoyalty.transaction.id;
      advanceClock(1000);
      const reversed = await ok(caller, REVERSE, { id });
      expect(reversed.reverseLoyaltyTransaction).toMatchObject({
        points: before.points,
        transaction: { kind: 'REVERSAL', delta: -42, externalId: null },
      });
      const rows = await totalRows();
      for (const again of [id, reversed.reverseLoyaltyTransaction.transaction.id]) {
        const error = await refused(caller, REVERSE, { id: again });
        expect(error.extensions).toMatchObject({ code: 'UNPROCESSABLE', reason: 'not_reversible' });
      }
      // A concurrent pair: one reversal wins.
      advanceClock(1000);
      const another = await ok(caller, EARN, {
        input: { customerCode: code, amountMinor: 100, externalId: ext('rev') },
      });
      const pair = await Promise.all(
        [1, 2].map(() => gql(caller, REVERSE, { id: another.earnLoyalty.transaction.id })),
      );
      const refusals = pair.map((r) => refusalOf(r.body));
      expect(refusals.filter((r) => r === undefined)).toHaveLength(1);
      expect(refusals.find(Boolean)!.extensions).toMatchObject({ reason: 'not_reversible' });
      expect(await totalRows()).toBe(rows + 2);
      expect((await customer(code)).points).toBe(before.points);

      // A coupon issue is not an earn or a redeem; another org's key does not find the transaction at all.
      const issue = (await customer('482195')).transactions.find((t: any) => t.kind === 'COUPON_ISSUE');
      expect(issue).toBeDefined();
      expect((await refused(caller, REVERSE, { id: issue.id })).extensions).toMatchObject({ reason: 'not_reversible' });
      expect((await refused(org('balanced'), REVERSE, { id })).extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    });

    it('a stamp earn whose stamps went into a coupon cannot be reversed', async () => {
      const { stamps } = await customer('482194');
      const filled = await ok(org('standard'), EARN, {
        input: { customerCode: '482194', cardType: 'STAMP', stamps: 5 - stamps, externalId: ext('full') },
      });
      expect(filled.earnLoyalty.coupon).not.toBeNull();
      const rows = await totalRows();
      const error = await refused(org('standard'), REVERSE, { id: filled.earnLoyalty.transaction.id });
      expect(error.extensions).toMatchObject({ code: 'UNPROCESSABLE', reason: 'not_reversible' });
      expect(await totalRows()).toBe(rows);
    });
  });

  describe('idempotency keys on redeemLoyaltyCoupon and reverseLoyaltyTransaction', () => {
    const REDEEM_COUPON_KEYED = `mutation($input: RedeemLoyaltyCouponInput!) {
      redeemLoyaltyCoupon(input: $input) {
        ${REFUSAL} idempotentReplay coupon { id name status qrToken issuedAt redeemedAt } transaction { ${TRANSACTION} }
      }
    }`;
    const REVERSE_KEYED = `mutation($input: ReverseLoyaltyTransactionInput!) {
      reverseLoyaltyTransaction(input: $input) { ${BALANCE} }
    }`;
    /** Marks a completed key as still running, as if its first request had not answered yet. */
    const holdKey = (key: string) =>
      graph.stack.subgraphs.loyalty.orm.em
        .fork()
        .getConnection()
        .execute(
          `update loyalty.idempotency_key set state = 'in_progress', lease_until = now() + interval '1 minute'
           where key = ?`,
          [key],
        );
    const userError = async (caller: Caller, query: string, variables: Record<string, unknown>) => {
      const { body } = await gql(caller, query, variables);
      expect(body.errors).toBeUndefined();
      const [payload] = Object.values(body.data!) as Array<{ userErrors: unknown[] }>;
      return payload.userErrors[0];
    };

    it('the same key and input replay the coupon’s redemption; another input is IDEMPOTENCY_KEY_REUSED', async () => {
      const caller = org('standard');
      const { stamps } = await customer('482194');
      const filled = await ok(caller, EARN, {
        input: { customerCode: '482194', cardType: 'STAMP', stamps: 5 - stamps, externalId: ext('keyed') },
      });
      const token = filled.earnLoyalty.coupon.qrToken;
      const input = { token, idempotencyKey: randomUUID() };
      const first = (await ok(caller, REDEEM_COUPON_KEYED, { input })).redeemLoyaltyCoupon;
      expect(first).toMatchObject({
        idempotentReplay: false,
        coupon: { status: 'REDEEMED' },
        transaction: { kind: 'COUPON_REDEEM' },
      });
      const rows = await totalRows();
      const again = (await ok(caller, REDEEM_COUPON_KEYED, { input })).redeemLoyaltyCoupon;
      expect(again).toEqual({ ...first, idempotentReplay: true });
      expect(await totalRows()).toBe(rows);

      expect(await userError(caller, REDEEM_COUPON_KEYED, { input: { ...input, manualCode: true } })).toEqual({
        code: 'IDEMPOTENCY_KEY_REUSED',
        field: ['input', 'idempotencyKey'],
        message: expect.any(String),
      });
      // Without a key, a second redemption is still refused as it always was.
      const twice = await refused(caller, REDEEM_COUPON, { input: { token } });
      expect(twice.extensions).toMatchObject({ reason: 'coupon_already_redeemed' });

      await holdKey(input.idempotencyKey);
      expect(await userError(caller, REDEEM_COUPON_KEYED, { input })).toEqual({
        code: 'IDEMPOTENCY_KEY_IN_USE',
        field: ['input', 'idempotencyKey'],
        message: expect.any(String),
      });
    });

    it('the same key and input replay a reversal; another input is IDEMPOTENCY_KEY_REUSED', async () => {
      const caller = org('standard');
      advanceClock(1000);
      const earned = await ok(caller, EARN, {
        input: { customerCode: '482193', amountMinor: 1500, externalId: ext('keyed') },
      });
      const input = { id: earned.earnLoyalty.transaction.id, idempotencyKey: randomUUID() };
      advanceClock(1000);
      const first = (await ok(caller, REVERSE_KEYED, { input })).reverseLoyaltyTransaction;
      expect(first).toMatchObject({ idempotentReplay: false, transaction: { kind: 'REVERSAL', delta: -15 } });
      const rows = await totalRows();
      const again = (await ok(caller, REVERSE_KEYED, { input })).reverseLoyaltyTransaction;
      expect(again).toEqual({ ...first, idempotentReplay: true });
      expect(await totalRows()).toBe(rows);

      const other = await ok(caller, EARN, {
        input: { customerCode: '482193', amountMinor: 100, externalId: ext('keyed') },
      });
      expect(
        await userError(caller, REVERSE_KEYED, { input: { ...input, id: other.earnLoyalty.transaction.id } }),
      ).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'idempotencyKey'] });
      // Without a key, reversing it again is still refused as it always was.
      const twice = await refused(caller, REVERSE, { id: input.id });
      expect(twice.extensions).toMatchObject({ reason: 'not_reversible' });

      // Concurrent copies with one key reverse once: each answers the reversal or IDEMPOTENCY_KEY_IN_USE.
      const racing = { id: other.earnLoyalty.transaction.id, idempotencyKey: randomUUID() };
      const answers = await Promise.all([1, 2, 3].map(() => gql(caller, REVERSE_KEYED, { input: racing })));
      const payloads = answers.map((a) => a.body.data!.reverseLoyaltyTransaction);
      const done = payloads.filter((p) => !p.userErrors.length);
      expect(done.length).toBeGreaterThanOrEqual(1);
      expect(new Set(done.map((p) => p.transaction.id)).size).toBe(1);
      for (const p of payloads.filter((p) => p.userErrors.length)) {
        expect(p.userErrors[0].code).toBe('IDEMPOTENCY_KEY_IN_USE');
      }
      expect(await totalRows()).toBe(rows + 2);

      await holdKey(racing.idempotencyKey);
      expect(await userError(caller, REVERSE_KEYED, { input: racing })).toMatchObject({
        code: 'IDEMPOTENCY_KEY_IN_USE',
      });
    });
  });

  describe('orders through federation', () => {
    const createOrder = async (token: string, locationId: number) => {
      const response = await fetch(`${graph.stack.origin}/pos/v1/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ location_id: locationId, currency: 'USD', total_cents: 4200 }),
      });
      expect(response.status).toBe(201);
      const { id, number } = (await response.json()) as { id: string; number: string };
      return { id, number };
    };

    it('a transaction whose external_id is an Order’s id resolves `order`, and Order.loyaltyTransactions lists it', async () => {
      const order = await createOrder(graph.partner, 1);
      advanceClock(1000);
      const earned = await ok(org('standard'), EARN, {
        input: { customerCode: '482193', amountMinor: 4200, externalId: order.id },
      });
      advanceClock(1000);
      // The same order id as a redemption's external id (another kind), and the earn's reversal, belong to it too.
      const redeemed = await ok(org('standard'), REDEEM, {
        input: { customerCode: '482193', cardType: 'POINT', value: 10, externalId: order.id },
      });
      advanceClock(1000);
      const reversed = await ok(org('standard'), REVERSE, { id: earned.earnLoyalty.transaction.id });

      const { loyaltyCustomer } = await ok(
        { token: graph.partner },
        `query($code: String!) { loyaltyCustomer(code: $code) {
          transactions(first: 3) { nodes { id kind externalId order { id number } } } } }`,
        { code: '482193' },
      );
      expect(loyaltyCustomer.transactions.nodes).toEqual([
        { id: reversed.reverseLoyaltyTransaction.transaction.id, kind: 'REVERSAL', externalId: null, order },
        { id: redeemed.redeemLoyalty.transaction.id, kind: 'REDEEM', externalId: order.id, order },
        { id: earned.earnLoyalty.transaction.id, kind: 'EARN', externalId: order.id, order },
      ]);

      const { order: read } = await ok(
        { token: graph.partner },
        `query($id: ID!) { order(id: $id) { id number loyaltyTransactions { nodes { id kind delta customer { code } } } } }`,
        { id: order.id },
      );
      expect(read).toEqual({
        ...order,
        loyaltyTransactions: {
          nodes: [
            { id: earned.earnLoyalty.transaction.id, kind: 'EARN', delta: 42, customer: { code: '482193' } },
            { id: redeemed.redeemLoyalty.transaction.id, kind: 'REDEEM', delta: -10, customer: { code: '482193' } },
            {
              id: reversed.reverseLoyaltyTransaction.transaction.id,
              kind: 'REVERSAL',
              delta: -42,
              customer: { code: '482193' },
            },
          ],
        },
      });
      // A page at a time, by keyset cursor; more than 100 rows in one page is refused.
      const paged = `query($id: ID!, $after: String) { order(id: $id) {
        loyaltyTransactions(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } totalCount }
      } }`;
      const page1 = (await ok({ token: graph.partner }, paged, { id: order.id })).order.loyaltyTransactions;
      expect(page1).toEqual({
        nodes: [{ id: earned.earnLoyalty.transaction.id }, { id: redeemed.redeemLoyalty.transaction.id }],
        pageInfo: { hasNextPage: true, endCursor: expect.any(String) },
        totalCount: 3,
      });
      const page2 = (await ok({ token: graph.partner }, paged, { id: order.id, after: page1.pageInfo.endCursor })).order
        .loyaltyTransactions;
      expect(page2.nodes).toEqual([{ id: reversed.reverseLoyaltyTransaction.transaction.id }]);
      expect(page2.pageInfo.hasNextPage).toBe(false);
      const tooMany = await gql(
        { token: graph.partner },
        `query($id: ID!) { order(id: $id) { loyaltyTransactions(first: 101) { nodes { id } } } }`,
        { id: order.id },
      );
      expect(tooMany.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      // An external id that is no order's resolves no order.
      const plain = await ok(org('standard'), EARN, {
        input: { customerCode: '482193', amountMinor: 100, externalId: ext('p') },
      });
      expect(plain.earnLoyalty.transaction.externalId).toMatch(/^p-/);
      const { loyaltyCustomer: again } = await ok(
        { token: graph.partner },
        `query($code: String!) { loyaltyCustomer(code: $code) { transactions(first: 1) { nodes { order { id } } } } }`,
        { code: '482193' },
      );
      expect(again.transactions.nodes).toEqual([{ order: null }]);
    });

    it('another partner’s token sees none of demo’s loyalty data, even on its own order', async () => {
      const theirs = await createOrder(other, 3);
      const ours = await createOrder(graph.partner, 1);
      advanceClock(1000);
      // Demo's customers earn on both ids (an external id is the POS's to choose).
      for (const externalId of [theirs.id, ours.id]) {
        advanceClock(1000);
        await ok(org('standard'), EARN, { input: { customerCode: '482193', amountMinor: 500, externalId } });
      }
      const coupon = (
        await ok(org('standard'), EARN, {
          input: { customerCode: '482194', cardType: 'STAMP', stamps: 5, externalId: ext('o') },
        })
      ).earnLoyalty.coupon;
      const demoTx = (await customer('482193')).transactions[0].id;
      const rows = await totalRows();

      const seen = await ok(
        { token: other },
        `query($theirs: ID!, $ours: ID!) {
          a: loyaltyCustomer(code: "482193") { id } b: loyaltyCustomer(code: "582193") { id }
          c: loyaltyCustomer(code: "682193") { id }
          mine: order(id: $theirs) { id loyaltyTransactions { nodes { id } } }
          demo: order(id: $ours) { id }
        }`,
        { theirs: theirs.id, ours: ours.id },
      );
      expect(seen).toEqual({
        a: null,
        b: null,
        c: null,
        mine: { id: theirs.id, loyaltyTransactions: { nodes: [] } },
        demo: null,
      });
      // Demo sees its transaction, but not the other partner's order it names.
      const demoView = await ok(
        { token: graph.partner },
        `query($code: String!) { loyaltyCustomer(code: $code) {
          transactions(first: 2) { nodes { externalId order { id number } } } } }`,
        { code: '482193' },
      );
      expect(demoView.loyaltyCustomer.transactions.nodes).toEqual([
        { externalId: ours.id, order: ours },
        { externalId: theirs.id, order: null },
      ]);

      // Nor can it act on them.
      const attempts: Array<[string, Record<string, unknown>]> = [
        [EARN, { input: { customerCode: '482193', amountMinor: 100, externalId: ext('o') } }],
        [REDEEM, { input: { customerCode: '482193', cardType: 'POINT', value: 1, externalId: ext('o') } }],
        [REDEEM_COUPON, { input: { token: coupon.qrToken } }],
        [REVERSE, { id: demoTx }],
      ];
      for (const [query, variables] of attempts) {
        const error = await refused({ token: other }, query, variables);
        expect(error.extensions.code).toBe('BAD_USER_INPUT');
        expect(['customer not found', 'coupon not found', 'validation_error']).toContain(error.extensions.reason);
      }
      const dashboard = await refused({ token: other }, `{ loyaltyDashboard { customer { id } } }`);
      expect(dashboard.extensions.code).toBe('FORBIDDEN');
      expect(await totalRows()).toBe(rows);
    });
  });
});
