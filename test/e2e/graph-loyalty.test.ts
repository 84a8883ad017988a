import { ISO, KEY, UUID, ext, wrongPin } from '../support/loyalty-api';
import { type Caller, EARN, REDEEM, REDEEM_COUPON, loyaltyGraph, refusalOf } from '../support/loyalty-graph';

/**
 * The loyalty API's actions through the gateway's /graphql: the same earn, redeem and coupon redemption as
 * the REST API, with refusals as the payload's userErrors (read back here as the error code and reason they stand
 * for), and who may see what (an org's key, a partner's token, a customer's key). The ledger, reversals, idempotency
 * keys and the link to orders through federation: graph-loyalty-ledger.test.ts.
 */
describe('GraphQL loyalty through the gateway', () => {
  const graph = loyaltyGraph();
  const { gql, org, customerKey, ok, refused, customer, totalRows, advanceClock } = graph;
  const earn = (caller: Caller, input: Record<string, unknown>) => gql(caller, EARN, { input });
  const redeem = (caller: Caller, input: Record<string, unknown>) => gql(caller, REDEEM, { input });
  const pendingPins = async (code: string) =>
    (await ok(customerKey(code), `{ loyaltyDashboard { pendingPins { challengeId action pin expiresAt orgName } } }`))
      .loyaltyDashboard.pendingPins as Array<{ challengeId: string; action: string; pin: string }>;
  const pinOf = async (code: string, challengeId: string) => {
    const pending = (await pendingPins(code)).find((p) => p.challengeId === challengeId);
    if (!pending) throw new Error(`challenge ${challengeId} is not on ${code}'s dashboard`);
    return pending.pin;
  };

  describe('the actions, with an org’s X-Api-Key and with the partner’s Bearer token', () => {
    it.each([
      ['an org’s X-Api-Key', () => org('standard')],
      ['the partner’s Bearer token', () => ({ token: graph.partner })],
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
      ['the partner’s Bearer token', () => ({ token: graph.partner })],
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
      const earned = await ok({ token: graph.partner }, EARN, {
        input: { customerCode: '582193', amountMinor: 100, externalId: ext('gate') },
      });
      expect(earned.earnLoyalty.idempotentReplay).toBe(false);
      const asked = await refused({ token: graph.partner }, REDEEM, { input });
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
      ['the partner’s Bearer token', () => ({ token: graph.partner })],
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
      ['the partner’s Bearer token', () => ({ token: graph.partner })],
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
          { token: await graph.stack.token(undefined, undefined, 'tilt/pos:read') },
        ],
        ['the partner’s token with every scope', { token: graph.partner }],
        ['a cashier’s user token', { token: await graph.stack.userToken('cashier@demo.example') }],
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
      for (const caller of [org('standard'), { token: graph.partner }]) {
        expect((await refused(caller, `{ loyaltyDashboard { customer { id } } }`)).extensions.code).toBe('FORBIDDEN');
      }
      const wrong = await graph.stack.graphql(`{ loyaltyCustomer(code: "482193") { points } }`, {}, null, {
        'x-api-key': 'not-a-key-at-all',
      });
      expect(wrong.status).toBe(401);
      expect(wrong.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(wrong.body)).not.toMatch(/points"\s*:/);
      const both = await graph.stack.graphql(`{ loyaltyCustomer(code: "482193") { points } }`, {}, graph.partner, {
        'x-api-key': KEY.standard,
      });
      expect(both.status).toBe(401);
      expect(both.body.data ?? null).toBeNull();
    });
  });
});
