import { randomUUID } from 'node:crypto';
import { domainErrorOf } from '@pos/kit';
import type { LoyaltyRuntime } from '@pos/loyalty/src/context';
import { countRows } from '../support/rest';
import { type Stack, startStack } from '../support/stack';

/**
 * The loyalty API's actions through the gateway's /graphql: the same earn, redeem and coupon redemption as
 * the REST API, with refusals as the payload's userErrors (read back here as the error code and reason they stand for), the ledger, reversals, the link to orders
 * through federation, and who may see what (an org's key, a partner's token, another partner, a customer's key).
 */

const KEY = {
  standard: 'demo-loyalty-standard',
  balanced: 'demo-loyalty-balanced',
  strict: 'demo-loyalty-strict',
  lapsed: 'demo-loyalty-lapsed',
} as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let seq = 0;
const ext = (label: string) => `${label}-${++seq}-${randomUUID().slice(0, 8)}`;
const wrongPin = (pin: string) => String((Number(pin) + 1) % 10_000).padStart(4, '0');

const TRANSACTION = 'id kind unit delta balanceAfter externalId amountCents currency coupon { id status } createdAt';
/** What every mutation selects to report a refusal: its user errors, and the facts of a PIN refusal. */
const REFUSAL = `userErrors { code field message }
  pinVerification { challengeId expiresAt remainingAttempts lockedUntil retryAfterSeconds }`;
const BALANCE = `${REFUSAL} idempotentReplay points stamps coupon { id name status qrToken issuedAt redeemedAt }
  transaction { ${TRANSACTION} } customer { code }`;
const EARN = `mutation($input: EarnLoyaltyInput!) { earnLoyalty(input: $input) { ${BALANCE} } }`;
const REDEEM = `mutation($input: RedeemLoyaltyInput!) { redeemLoyalty(input: $input) { ${BALANCE} } }`;
const REDEEM_COUPON = `mutation($input: RedeemLoyaltyCouponInput!) {
  redeemLoyaltyCoupon(input: $input) {
    ${REFUSAL} coupon { id name status qrToken issuedAt redeemedAt } transaction { ${TRANSACTION} }
  }
}`;
const REVERSE = `mutation($id: ID!) { reverseLoyaltyTransaction(input: { id: $id }) { ${BALANCE} } }`;

/** The user errors of a mutation's payload (the first one reporting any), as the error they stand for. */
function refusalOf(body: { data?: Record<string, any> | null; errors?: unknown }) {
  if (body.errors) return undefined;
  for (const payload of Object.values(body.data ?? {})) {
    if (!payload?.userErrors?.length) continue;
    const facts = Object.entries(payload.pinVerification ?? {}).filter(([, value]) => value !== null);
    const error = domainErrorOf(payload.userErrors, Object.fromEntries(facts))!;
    expect(error).toBeDefined();
    return {
      message: error.message,
      extensions: { ...error.data, code: error.code, details: error.details, reason: error.reason } as Record<
        string,
        any
      >,
    };
  }
  return undefined;
}

/** Who calls: an org's or customer's X-Api-Key, or a Bearer access token. */
type Caller = { key: string } | { token: string };

describe('GraphQL loyalty through the gateway', () => {
  let stack: Stack;
  let partner: string;
  let other: string;
  let advanceClock: (ms: number) => void;
  beforeAll(async () => {
    stack = await startStack();
    [partner, other] = await Promise.all([stack.token(), stack.token('other-partner', 'other-secret')]);
    const clock = (stack.subgraphs.loyalty.runtime as LoyaltyRuntime).clock;
    let offset = 0;
    // Forward only: challenges and ledger rows are ordered by this clock.
    advanceClock = (ms) => {
      offset += ms;
      clock.now = () => new Date(Date.now() + offset);
    };
  });
  afterAll(() => stack?.close());

  const gql = (caller: Caller, query: string, variables: Record<string, unknown> = {}) =>
    'key' in caller
      ? stack.graphql(query, variables, null, { 'x-api-key': caller.key })
      : stack.graphql(query, variables, caller.token);
  const org = (name: keyof typeof KEY): Caller => ({ key: KEY[name] });
  const customerKey = (code: string): Caller => ({ key: `demo-customer-${code}` });
  /** The data of a call that must succeed. */
  const ok = async (caller: Caller, query: string, variables: Record<string, unknown> = {}) => {
    const { body } = await gql(caller, query, variables);
    expect(body.errors).toBeUndefined();
    expect(refusalOf(body)).toBeUndefined();
    return body.data as Record<string, any>;
  };
  /**
   * The refusal of a call that must fail: a mutation's user errors (with its payload's PIN facts) as the error code,
   * reason and extensions they stand for; a query's one top-level error, with no data.
   */
  const refused = async (caller: Caller, query: string, variables: Record<string, unknown> = {}) => {
    const { body } = await gql(caller, query, variables);
    const refusal = refusalOf(body);
    if (refusal) return refusal;
    expect(body.errors).toHaveLength(1);
    // A top-level error leaves no data: the root is null, or the refused (nullable) field is: a mutation's payload,
    // loyaltyDashboard.
    expect(Object.values(body.data ?? {}).filter((value) => value !== null)).toEqual([]);
    return body.errors![0] as { message: string; extensions: Record<string, any> };
  };
  const earn = (caller: Caller, input: Record<string, unknown>) => gql(caller, EARN, { input });
  const redeem = (caller: Caller, input: Record<string, unknown>) => gql(caller, REDEEM, { input });

  const customerQuery = `query($code: String!) { loyaltyCustomer(code: $code) {
    code points stamps transactions(first: 100) { nodes { ${TRANSACTION} } } } }`;
  /** A customer with their newest 100 transactions as a plain list. */
  const customer = async (code: string, caller: Caller = { token: partner }) => {
    const found = (await ok(caller, customerQuery, { code })).loyaltyCustomer;
    return { ...found, transactions: found.transactions.nodes };
  };
  const pendingPins = async (code: string) =>
    (await ok(customerKey(code), `{ loyaltyDashboard { pendingPins { challengeId action pin expiresAt orgName } } }`))
      .loyaltyDashboard.pendingPins as Array<{ challengeId: string; action: string; pin: string }>;
  const pinOf = async (code: string, challengeId: string) => {
    const pending = (await pendingPins(code)).find((p) => p.challengeId === challengeId);
    if (!pending) throw new Error(`challenge ${challengeId} is not on ${code}'s dashboard`);
    return pending.pin;
  };
  const totalRows = () => countRows(stack, 'loyalty.loyalty_transaction');

  describe('the actions, with an org’s X-Api-Key and with the partner’s Bearer token', () => {
    it.each([
      ['an org’s X-Api-Key', () => org('standard')],
      ['the partner’s Bearer token', () => ({ token: partner })],
    ])('earns points, redeems them and repeats idempotently with %s', async (_name, caller) => {
      const before = await customer('482193');
      const externalId = ext('earn');
      const earned = await earn(caller(), { customerCode: '482193', amountMinor: 8550, externalId });
      expect(earned.body.errors).toBeUndefined();
      expect(earned.body.data!.earnLoyalty).toEqual({
        userErrors: [],
        pinVerification: null,
        idempotentReplay: false,
        points: before.points + 86,
        stamps: before.stamps,
        coupon: null,
        customer: { code: '482193' },
        transaction: {
          id: expect.stringMatching(UUID),
          kind: 'EARN',
          unit: 'POINT',
          delta: 86,
          balanceAfter: before.points + 86,
          externalId,
          amountCents: 8550,
          currency: 'USD',
          coupon: null,
          createdAt: expect.stringMatching(ISO),
        },
      });
      const first = earned.body.data!.earnLoyalty.transaction;

      const again = await earn(caller(), { customerCode: '482193', amountMinor: 100, externalId });
      expect(again.body.data!.earnLoyalty).toMatchObject({
        idempotentReplay: true,
        points: before.points + 86,
        transaction: { id: first.id, delta: 86 },
      });

      // Redeem defaults to stamps: points need cardType POINT.
      const redeemed = await redeem(caller(), {
        customerCode: '482193',
        cardType: 'POINT',
        value: 86,
        externalId: ext('redeem'),
      });
      expect(redeemed.body.errors).toBeUndefined();
      expect(redeemed.body.data!.redeemLoyalty).toMatchObject({
        idempotentReplay: false,
        points: before.points,
        stamps: before.stamps,
        transaction: { kind: 'REDEEM', unit: 'POINT', delta: -86, balanceAfter: before.points },
      });
      const noStamps = await redeem(caller(), { customerCode: '482193', value: 1, externalId: ext('redeem') });
      expect(refusalOf(noStamps.body)?.extensions).toMatchObject({
        code: 'UNPROCESSABLE',
        reason: 'insufficient_balance',
      });
    });

    it.each([
      ['an org’s X-Api-Key', () => org('standard')],
      ['the partner’s Bearer token', () => ({ token: partner })],
    ])('fills a stamp card and redeems its coupon once with %s', async (_name, caller) => {
      const { stamps } = await customer('482194');
      const filled = await ok(caller(), EARN, {
        input: { customerCode: '482194', cardType: 'STAMP', stamps: 5 - stamps, externalId: ext('stamps') },
      });
      const coupon = filled.earnLoyalty.coupon;
      expect(filled.earnLoyalty).toMatchObject({ stamps: 0, idempotentReplay: false });
      expect(coupon).toEqual({
        id: expect.stringMatching(UUID),
        name: 'Free Coffee',
        status: 'ACTIVE',
        qrToken: expect.any(String),
        issuedAt: expect.stringMatching(ISO),
        redeemedAt: null,
      });

      const used = await ok(caller(), REDEEM_COUPON, { input: { token: coupon.qrToken } });
      expect(used.redeemLoyaltyCoupon).toEqual({
        userErrors: [],
        pinVerification: null,
        coupon: { ...coupon, status: 'REDEEMED', redeemedAt: expect.stringMatching(ISO) },
        transaction: expect.objectContaining({
          kind: 'COUPON_REDEEM',
          unit: 'COUPON',
          delta: -1,
          coupon: { id: coupon.id, status: 'REDEEMED' },
        }),
      });
      const twice = await refused(caller(), REDEEM_COUPON, { input: { token: coupon.qrToken } });
      expect(twice.extensions).toMatchObject({ code: 'UNPROCESSABLE', reason: 'coupon_already_redeemed' });
      const forged = await refused(caller(), REDEEM_COUPON, { input: { token: `${coupon.qrToken.slice(0, -2)}zz` } });
      expect(forged.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'coupon not found' });
    });

    it('the preset gates a partner’s token as it gates the org’s key (balanced: redeem asks for the PIN)', async () => {
      const input = { customerCode: '582193', cardType: 'POINT', value: 1, externalId: ext('gate') };
      const earned = await ok({ token: partner }, EARN, {
        input: { customerCode: '582193', amountMinor: 100, externalId: ext('gate') },
      });
      expect(earned.earnLoyalty.idempotentReplay).toBe(false);
      const asked = await refused({ token: partner }, REDEEM, { input });
      expect(asked.extensions).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'pin_required' });
      const pin = await pinOf('582193', asked.extensions.challengeId);
      // The challenge is the customer's, whoever asks: the org's key can finish what the token started.
      const done = await ok(org('balanced'), REDEEM, { input: { ...input, verificationPin: pin } });
      expect(done.redeemLoyalty.points).toBe(earned.earnLoyalty.points - 1);
    });
  });

  describe('refusals carry extensions.code and extensions.reason', () => {
    it.each([
      ['an org’s X-Api-Key', () => org('strict')],
      ['the partner’s Bearer token', () => ({ token: partner })],
    ])(
      'the PIN gate with %s: pin_required (challengeId), pin_invalid (remainingAttempts), pin_attempts_exceeded, pin_expired',
      async (_name, caller) => {
        const input = { customerCode: '682193', amountMinor: 1000, externalId: ext('strict') };
        const rows = await totalRows();
        const asked = await refused(caller(), EARN, { input });
        expect(asked.extensions).toEqual({
          code: 'PRECONDITION_FAILED',
          reason: 'pin_required',
          challengeId: expect.stringMatching(UUID),
          expiresAt: expect.stringMatching(ISO),
          details: [],
        });
        const pin = await pinOf('682193', asked.extensions.challengeId);

        const remaining = [];
        for (let i = 0; i < 3; i++) {
          const wrong = await refused(caller(), EARN, { input: { ...input, verificationPin: wrongPin(pin) } });
          expect(wrong.extensions).toMatchObject({ code: 'UNPROCESSABLE', reason: 'pin_invalid' });
          remaining.push(wrong.extensions.remainingAttempts);
        }
        expect(remaining).toEqual([2, 1, 0]);
        const exceeded = await refused(caller(), EARN, { input: { ...input, verificationPin: pin } });
        expect(exceeded.extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'pin_attempts_exceeded' });

        const fresh = await refused(caller(), EARN, { input });
        expect(fresh.extensions.challengeId).not.toBe(asked.extensions.challengeId);
        const freshPin = await pinOf('682193', fresh.extensions.challengeId);
        advanceClock(90_001);
        const expired = await refused(caller(), EARN, { input: { ...input, verificationPin: freshPin } });
        expect(expired.extensions).toMatchObject({ code: 'UNPROCESSABLE', reason: 'pin_expired' });
        expect(await totalRows()).toBe(rows);

        const last = await refused(caller(), EARN, { input });
        const lastPin = await pinOf('682193', last.extensions.challengeId);
        const done = await ok(caller(), EARN, { input: { ...input, verificationPin: lastPin } });
        expect(done.earnLoyalty).toMatchObject({ idempotentReplay: false, transaction: { delta: 10 } });
        expect(await totalRows()).toBe(rows + 1);
      },
    );

    it.each([
      ['an org’s X-Api-Key', (name: keyof typeof KEY) => org(name)],
      ['the partner’s Bearer token', () => ({ token: partner })],
    ])('every other refusal with %s', async (_name, callerOf) => {
      const rows = await totalRows();
      const cases: Array<[keyof typeof KEY, string, Record<string, unknown>, Record<string, unknown>]> = [
        [
          'standard',
          REDEEM,
          { customerCode: '482195', cardType: 'POINT', value: 100_000, externalId: ext('x') },
          { code: 'UNPROCESSABLE', reason: 'insufficient_balance' },
        ],
        [
          'lapsed',
          EARN,
          { customerCode: '782193', amountMinor: 100, externalId: ext('x') },
          { code: 'PAYMENT_REQUIRED', reason: 'subscription_required' },
        ],
        [
          'lapsed',
          REDEEM,
          { customerCode: '782193', cardType: 'POINT', value: 1, externalId: ext('x') },
          { code: 'PAYMENT_REQUIRED', reason: 'subscription_required' },
        ],
        [
          'standard',
          EARN,
          { customerCode: '999999', amountMinor: 100, externalId: ext('x') },
          { code: 'BAD_USER_INPUT', reason: 'customer not found' },
        ],
        [
          'strict',
          REDEEM,
          { customerCode: '682194', value: 1, externalId: ext('x'), manualCode: true },
          { code: 'UNPROCESSABLE', reason: 'manual_code_disabled' },
        ],
        [
          'standard',
          EARN,
          { customerCode: '482195', cardType: 'STAMP', stamps: 6, externalId: ext('x') },
          { code: 'BAD_USER_INPUT', reason: 'validation_error', details: ['stamps: at most 5 per earn'] },
        ],
        [
          'standard',
          EARN,
          { customerCode: '12345', amountMinor: 100, externalId: ext('x') },
          { code: 'BAD_USER_INPUT', reason: 'validation_error', details: ['customerCode: must be exactly 6 digits'] },
        ],
        [
          'standard',
          EARN,
          { customerCode: '482195', amountMinor: -100, externalId: ext('x') },
          { code: 'BAD_USER_INPUT', reason: 'validation_error' },
        ],
        [
          'standard',
          REDEEM,
          { customerCode: '482195', value: 0, externalId: ext('x') },
          { code: 'BAD_USER_INPUT', reason: 'validation_error' },
        ],
        [
          'standard',
          EARN,
          { customerCode: '482195', amountMinor: 100, externalId: '' },
          { code: 'BAD_USER_INPUT', reason: 'validation_error' },
        ],
        [
          'standard',
          EARN,
          { customerCode: '482195', amountMinor: 100, externalId: ext('x'), verificationPin: '12' },
          { code: 'BAD_USER_INPUT', reason: 'validation_error' },
        ],
      ];
      for (const [orgName, query, input, extensions] of cases) {
        const error = await refused(callerOf(orgName), query, { input });
        expect({ input, extensions: error.extensions }).toEqual({
          input,
          extensions: expect.objectContaining(extensions),
        });
      }
      expect(await totalRows()).toBe(rows);
    });

    it('an org’s key reaches only its own customers: another org’s customer is "customer not found"', async () => {
      const rows = await totalRows();
      for (const [name, code] of [
        ['standard', '582193'],
        ['balanced', '682193'],
        ['strict', '482193'],
      ] as const) {
        const error = await refused(org(name), EARN, {
          input: { customerCode: code, amountMinor: 100, externalId: ext('x') },
        });
        expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'customer not found' });
        expect(
          (await ok(org(name), `query($code: String!) { loyaltyCustomer(code: $code) { id } }`, { code }))
            .loyaltyCustomer,
        ).toBeNull();
      }
      expect(await totalRows()).toBe(rows);
    });
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
      stack.subgraphs.loyalty.orm.em
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
      const response = await fetch(`${stack.origin}/pos/v1/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ location_id: locationId, currency: 'USD', total_cents: 4200 }),
      });
      expect(response.status).toBe(201);
      const { id, number } = (await response.json()) as { id: string; number: string };
      return { id, number };
    };

    it('a transaction whose external_id is an Order’s id resolves `order`, and Order.loyaltyTransactions lists it', async () => {
      const order = await createOrder(partner, 1);
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
        { token: partner },
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
        { token: partner },
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
      const page1 = (await ok({ token: partner }, paged, { id: order.id })).order.loyaltyTransactions;
      expect(page1).toEqual({
        nodes: [{ id: earned.earnLoyalty.transaction.id }, { id: redeemed.redeemLoyalty.transaction.id }],
        pageInfo: { hasNextPage: true, endCursor: expect.any(String) },
        totalCount: 3,
      });
      const page2 = (await ok({ token: partner }, paged, { id: order.id, after: page1.pageInfo.endCursor })).order
        .loyaltyTransactions;
      expect(page2.nodes).toEqual([{ id: reversed.reverseLoyaltyTransaction.transaction.id }]);
      expect(page2.pageInfo.hasNextPage).toBe(false);
      const tooMany = await gql(
        { token: partner },
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
        { token: partner },
        `query($code: String!) { loyaltyCustomer(code: $code) { transactions(first: 1) { nodes { order { id } } } } }`,
        { code: '482193' },
      );
      expect(again.transactions.nodes).toEqual([{ order: null }]);
    });

    it('another partner’s token sees none of demo’s loyalty data, even on its own order', async () => {
      const theirs = await createOrder(other, 3);
      const ours = await createOrder(partner, 1);
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
        { token: partner },
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

  describe('who sees what', () => {
    it('a customer’s dashboard key sees only its own customer, and cannot act', async () => {
      const me = customerKey('582194');
      const own = await ok(
        me,
        `{ loyaltyDashboard { customer { code points stamps org { name preset } } pendingPins { challengeId } } }`,
      );
      const partnerView = await customer('582194');
      expect(own.loyaltyDashboard.customer).toEqual({
        code: '582194',
        points: partnerView.points,
        stamps: partnerView.stamps,
        org: { name: 'Demo balanced rewards', preset: 'BALANCED' },
      });
      const lookups = await ok(
        me,
        `{ self: loyaltyCustomer(code: "582194") { code } sameOrg: loyaltyCustomer(code: "582193") { code }
           otherOrg: loyaltyCustomer(code: "482193") { code } }`,
      );
      expect(lookups).toEqual({ self: { code: '582194' }, sameOrg: null, otherOrg: null });

      const rows = await totalRows();
      for (const [query, variables] of [
        [EARN, { input: { customerCode: '582194', amountMinor: 100, externalId: ext('me') } }],
        [REDEEM, { input: { customerCode: '582194', value: 1, externalId: ext('me') } }],
      ] as const) {
        expect((await refused(me, query, variables)).extensions.code).toBe('FORBIDDEN');
      }
      expect(await totalRows()).toBe(rows);
    });

    it('a coupon’s qrToken shows to its customer and in the earn that issued it; every other reader gets null', async () => {
      const code = '482195';
      const { stamps } = await customer(code);
      const issued = await ok(org('standard'), EARN, {
        input: { customerCode: code, cardType: 'STAMP', stamps: 5 - stamps, externalId: ext('qr') },
      });
      const { id, qrToken } = issued.earnLoyalty.coupon;
      expect(qrToken).toMatch(/^cq_/);

      // The customer, on their dashboard: their coupons' tokens (the QR code they show at the till).
      const own = await ok(customerKey(code), `{ loyaltyDashboard { customer { coupons { nodes { id qrToken } } } } }`);
      expect(own.loyaltyDashboard.customer.coupons.nodes).toContainEqual({ id, qrToken });

      // Everyone else reading the customer or the ledger: the coupon, not its token.
      const read = `query($code: String!) { loyaltyCustomer(code: $code) {
        coupons { nodes { id qrToken } } transactions(first: 100) { nodes { coupon { id qrToken } } } } }`;
      const readers: Array<[string, Caller]> = [
        ['the org’s key', org('standard')],
        [
          'a partner token with tilt/pos:read only',
          { token: await stack.token(undefined, undefined, 'tilt/pos:read') },
        ],
        ['the partner’s token with every scope', { token: partner }],
        ['a cashier’s user token', { token: await stack.userToken('cashier@demo.example') }],
      ];
      for (const [who, caller] of readers) {
        const seen = (await ok(caller, read, { code })).loyaltyCustomer;
        const coupons = [...seen.coupons.nodes, ...seen.transactions.nodes.map((t: any) => t.coupon).filter(Boolean)];
        expect({ who, coupon: coupons.find((c: any) => c.id === id) }).toEqual({ who, coupon: { id, qrToken: null } });
        expect({ who, tokens: coupons.filter((c: any) => c.qrToken !== null) }).toEqual({ who, tokens: [] });
      }
    });

    it('a customer’s PIN shows only on their own dashboard', async () => {
      const asked = await refused(org('balanced'), REDEEM, {
        input: { customerCode: '582195', value: 1, externalId: ext('pin') },
      });
      const challengeId = asked.extensions.challengeId;
      expect((await pendingPins('582195')).map((p) => p.challengeId)).toContain(challengeId);
      for (const code of ['582193', '582194', '482195']) {
        expect((await pendingPins(code)).map((p) => p.challengeId)).not.toContain(challengeId);
      }
    });

    it('an org’s key and a partner’s token have no dashboard; a wrong key, or a key with a token, is refused', async () => {
      for (const caller of [org('standard'), { token: partner }]) {
        expect((await refused(caller, `{ loyaltyDashboard { customer { id } } }`)).extensions.code).toBe('FORBIDDEN');
      }
      const wrong = await stack.graphql(`{ loyaltyCustomer(code: "482193") { points } }`, {}, null, {
        'x-api-key': 'not-a-key-at-all',
      });
      expect(wrong.status).toBe(401);
      expect(wrong.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(wrong.body)).not.toMatch(/points"\s*:/);
      const both = await stack.graphql(`{ loyaltyCustomer(code: "482193") { points } }`, {}, partner, {
        'x-api-key': KEY.standard,
      });
      expect(both.status).toBe(401);
      expect(both.body.data ?? null).toBeNull();
    });
  });
});
