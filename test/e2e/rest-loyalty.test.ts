import { randomUUID } from 'node:crypto';
import { hashBearerSecret } from '@pos/gateway/src/auth/secrets';
import { DEMO } from '@pos/kit';
import { countRows } from '../support/rest';
import { ApiKey, Partner } from '@pos/gateway/src/identity/identity.entities';
import {
  loyaltyApi,
  KEY,
  type Org,
  code,
  ORG_ID,
  PATH,
  type Action,
  ISO,
  UUID,
  UNAUTHORIZED,
  ext,
} from '../support/loyalty-api';

/**
 * The loyalty POS API (POST /webhook/pos, /webhook/redeem, /webhook/coupons/redeem) over real HTTP:
 * every row of its field and error tables, idempotency and races, authentication and malformed bodies (the
 * PIN flow and the presets: rest-loyalty-pins.test.ts). Balances are read through the graph and the ledger counted in the database, so that a refusal
 * is shown to change nothing.
 */
describe('REST loyalty API: /webhook/pos, /webhook/redeem, /webhook/coupons/redeem', () => {
  const api = loyaltyApi();
  const {
    post,
    earn,
    redeem,
    redeemCoupon,
    balance,
    ledgerRows,
    sql,
    snapshot,
    dashboard,
    withPin,
    issueCoupon,
    setPoints,
    expectLedgerConsistent,
  } = api;

  describe('earn (POST /webhook/pos)', () => {
    it('awards round(85.50 × 1.0) = 86 points for the seed’s example request and answers the updated balance', async () => {
      const customer = code('standard', 93);
      const before = await balance(customer);
      const externalId = ext('order_9f2a1c');
      // The seed's request as printed: at Standard the PIN is not asked for, and a manual_code false is accepted.
      const earned = await earn('standard', {
        customer_code: 482193,
        amount: 85.5,
        card_type: 'point',
        external_id: externalId,
        verification_pin: '4821',
        manual_code: false,
      });
      expect(earned.status).toBe(200);
      expect(earned.body).toEqual({ data: { stamps: before.stamps, points: before.points + 86 } });
      expect(await balance(customer)).toEqual({ stamps: before.stamps, points: before.points + 86 });
      const rows = await sql(
        `select kind, unit, delta, balance_after, amount_cents, currency from loyalty.loyalty_transaction
         where external_id = ?`,
        [externalId],
      );
      expect(rows).toEqual([
        {
          kind: 'EARN',
          unit: 'POINT',
          delta: 86,
          balance_after: before.points + 86,
          amount_cents: 8550,
          currency: 'USD',
        },
      ]);
    });

    it('defaults card_type to "point" and takes the customer code as a number or a 6-digit string', async () => {
      const customer = code('standard', 93);
      const before = await balance(customer);
      const first = await earn('standard', { customer_code: 482193, amount: 10, external_id: ext('default') });
      expect(first.body).toEqual({ data: { stamps: before.stamps, points: before.points + 10 } });
      const second = await earn('standard', { customer_code: '482193', amount: 1, external_id: ext('string') });
      expect(second.body).toEqual({ data: { stamps: before.stamps, points: before.points + 11 } });
    });

    it.each([
      [10.5, 11],
      [10.49, 10],
      [0.5, 1],
      [1234.56, 1235],
      [99.99, 100],
    ])('rounds points half up: %p → %p points', async (amount, points) => {
      const before = await balance(code('standard', 93));
      const earned = await earn('standard', { customer_code: 482193, amount, external_id: ext('round') });
      expect(earned.status).toBe(200);
      expect(earned.body.data.points - before.points).toBe(points);
    });

    it.each([
      [1, 1],
      [1.5, 2],
      [2.4, 2],
      [0.2, 1],
      [0.5, 1],
      [4.5, 5],
    ])('stamps: amount %p awards %p stamp(s) (rounded half up, at least 1)', async (amount, stamps) => {
      const customer = code('standard', 95);
      const before = await balance(customer);
      const earned = await earn('standard', {
        customer_code: Number(customer),
        amount,
        card_type: 'stamp',
        external_id: ext('stamp'),
      });
      expect(earned.status).toBe(200);
      const total = before.stamps + stamps;
      // A card of 5 that fills becomes a coupon and the rest starts the next card.
      expect(earned.body.data).toEqual({
        points: before.points,
        stamps: total >= 5 ? total - 5 : total,
        ...(total >= 5 ? { coupon: expect.objectContaining({ name: 'Free Coffee' }) } : {}),
      });
    });

    it.each([6, 5.5, 100])('refuses %p stamps (above the 5 per earn) with 400, and records nothing', async (amount) => {
      const customer = code('standard', 95);
      const before = await snapshot(customer);
      const earned = await earn('standard', {
        customer_code: Number(customer),
        amount,
        card_type: 'stamp',
        external_id: ext('too-many'),
      });
      expect(earned.status).toBe(400);
      expect(earned.body).toEqual({
        error: 'validation_error',
        message: 'Validation error',
        details: ['stamps: at most 5 per earn'],
      });
      expect(await snapshot(customer)).toEqual(before);
    });

    it('fills a stamp card: the response carries the coupon {id, name, qr_token}, and the stamps restart', async () => {
      const customer = code('standard', 94);
      const before = await balance(customer);
      expect(before.stamps).toBeLessThan(5);
      const filled = await earn('standard', {
        customer_code: Number(customer),
        amount: 5 - before.stamps,
        card_type: 'stamp',
        external_id: ext('fill'),
      });
      expect(filled.status).toBe(200);
      expect(filled.body).toEqual({
        data: {
          stamps: 0,
          points: before.points,
          coupon: {
            id: expect.stringMatching(UUID),
            name: 'Free Coffee',
            qr_token: expect.stringMatching(/^\S{20,64}$/),
          },
        },
      });
      const { coupon } = filled.body.data;
      // A new card: 3 stamps and no coupon; then 4 more fill it again and 2 start the third card.
      const three = await earn('standard', {
        customer_code: Number(customer),
        amount: 3,
        card_type: 'stamp',
        external_id: ext('fill'),
      });
      expect(three.body).toEqual({ data: { stamps: 3, points: before.points } });
      const again = await earn('standard', {
        customer_code: Number(customer),
        amount: 4,
        card_type: 'stamp',
        external_id: ext('fill'),
      });
      expect(again.body).toEqual({
        data: { stamps: 2, points: before.points, coupon: expect.objectContaining({ name: 'Free Coffee' }) },
      });
      expect(again.body.data.coupon.id).not.toBe(coupon.id);
      // Both coupons are the customer's, with the same QR tokens, on their dashboard; the ledger shows each card.
      const qrTokens = (await dashboard(customer)).customer.coupons.nodes.map((c: any) => c.qrToken);
      expect(qrTokens).toEqual(expect.arrayContaining([coupon.qr_token, again.body.data.coupon.qr_token]));
      const issues = await sql(
        `select delta, unit from loyalty.loyalty_transaction where coupon_id in (?, ?) and kind = 'COUPON_ISSUE'`,
        [coupon.id, again.body.data.coupon.id],
      );
      expect(issues).toEqual([
        { delta: -5, unit: 'STAMP' },
        { delta: -5, unit: 'STAMP' },
      ]);
      await expectLedgerConsistent(customer);
    });
  });

  describe('redeem (POST /webhook/redeem)', () => {
    it('deducts stamps when card_type is left out (the default is "stamp")', async () => {
      const customer = code('standard', 95);
      let before = await balance(customer);
      if (before.stamps === 0) {
        await earn('standard', { customer_code: customer, amount: 1, card_type: 'stamp', external_id: ext('s') });
        before = await balance(customer);
      }
      const redeemed = await redeem('standard', { customer_code: Number(customer), value: 1, external_id: ext('r') });
      expect(redeemed.status).toBe(200);
      expect(redeemed.body).toEqual({ data: { stamps: before.stamps - 1, points: before.points } });
    });

    it('deducts points with card_type "point", as the seed’s example', async () => {
      const customer = code('standard', 93);
      const before = await balance(customer);
      const externalId = ext('redeem_a7c3d1');
      const redeemed = await redeem('standard', {
        customer_code: 482193,
        value: 50,
        card_type: 'point',
        external_id: externalId,
        manual_code: false,
      });
      expect(redeemed.status).toBe(200);
      expect(redeemed.body).toEqual({ data: { stamps: before.stamps, points: before.points - 50 } });
      const rows = await sql(`select kind, unit, delta from loyalty.loyalty_transaction where external_id = ?`, [
        externalId,
      ]);
      expect(rows).toEqual([{ kind: 'REDEEM', unit: 'POINT', delta: -50 }]);
    });

    it('refuses more than the balance with 422 insufficient_balance, recording nothing', async () => {
      const customer = code('standard', 93);
      const before = await snapshot(customer);
      const [{ points, stamps }] = before;
      for (const [cardType, value] of [
        ['point', points + 1],
        ['stamp', stamps + 1],
      ] as const) {
        const redeemed = await redeem('standard', {
          customer_code: 482193,
          value,
          card_type: cardType,
          external_id: ext('too-much'),
        });
        expect(redeemed.status).toBe(422);
        expect(redeemed.body).toEqual({
          error: 'insufficient_balance',
          message: expect.stringMatching(/Balance too low/),
        });
      }
      expect(await snapshot(customer)).toEqual(before);
    });
  });

  describe('idempotency by external_id', () => {
    it.each(['earn', 'redeem'] as const)(
      '%s: the same external_id again is 200 {"message":"already processed"} and is not recorded twice',
      async (action) => {
        const customer = code('standard', 93);
        const externalId = ext(`idem-${action}`);
        const body = { customer_code: 482193, card_type: 'point', external_id: externalId };
        const send = (n: number) =>
          action === 'earn' ? earn('standard', { ...body, amount: n }) : redeem('standard', { ...body, value: n });
        const before = await snapshot(customer);
        const first = await send(7);
        expect(first.status).toBe(200);
        const after = await snapshot(customer);
        expect(after[0].points).toBe(before[0].points + (action === 'earn' ? 7 : -7));
        expect(after[0].rows).toBe(before[0].rows + 1);
        // A network retry, even one whose amount changed on the way, does nothing.
        for (const n of [7, 9]) {
          const retry = await send(n);
          expect(retry.status).toBe(200);
          expect(retry.body).toEqual({ data: { message: 'already processed' } });
        }
        expect(await snapshot(customer)).toEqual(after);
        expect(await countRows(api.stack, 'loyalty.loyalty_transaction', 'external_id = ?', [externalId])).toBe(1);
      },
    );

    it('an external_id is one per org: another org may use the same one', async () => {
      const externalId = ext('shared');
      const a = await earn('standard', { customer_code: 482193, amount: 1, external_id: externalId });
      const b = await earn('balanced', { customer_code: 582193, amount: 1, external_id: externalId });
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.body.data.points).toEqual(expect.any(Number));
      expect(b.body.data.points).toEqual(expect.any(Number));
      expect(await countRows(api.stack, 'loyalty.loyalty_transaction', 'external_id = ?', [externalId])).toBe(2);
    });
  });

  describe('coupons (POST /webhook/coupons/redeem)', () => {
    it('redeems a coupon once: 200 with the coupon, then 422 coupon_already_redeemed', async () => {
      const customer = code('standard', 94);
      const coupon = await issueCoupon('standard', customer);
      const redeemed = await redeemCoupon('standard', { token: coupon.qr_token });
      expect(redeemed.status).toBe(200);
      expect(redeemed.body).toEqual({
        data: {
          id: coupon.id,
          name: 'Free Coffee',
          status: 'redeemed',
          qr_token: coupon.qr_token,
          issued_at: expect.stringMatching(ISO),
          redeemed_at: expect.stringMatching(ISO),
        },
      });
      expect(Date.parse(redeemed.body.data.redeemed_at)).toBeGreaterThanOrEqual(
        Date.parse(redeemed.body.data.issued_at),
      );
      const before = await snapshot(customer);
      const again = await redeemCoupon('standard', { token: coupon.qr_token });
      expect(again.status).toBe(422);
      expect(again.body).toEqual({ error: 'coupon_already_redeemed', message: expect.any(String) });
      expect(await snapshot(customer)).toEqual(before);
      expect(
        await countRows(api.stack, 'loyalty.loyalty_transaction', `kind = 'COUPON_REDEEM' and coupon_id = ?`, [
          coupon.id,
        ]),
      ).toBe(1);
      // The dashboard no longer offers it.
      const offered = (await dashboard(customer)).customer.coupons.nodes.map((c: any) => c.id);
      expect(offered).not.toContain(coupon.id);
    });

    it('a forged or unknown token, or another org’s coupon, is 400 coupon not found and redeems nothing', async () => {
      const mine = await issueCoupon('standard', code('standard', 94));
      const theirs = await issueCoupon('balanced', code('balanced', 94));
      const flip = (token: string) => token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
      const forged = [
        flip(mine.qr_token),
        `${mine.qr_token.slice(0, 10)}${'x'.repeat(mine.qr_token.length - 10)}`,
        'not-a-coupon',
        randomUUID(),
        mine.id,
      ];
      for (const token of forged) {
        const answer = await redeemCoupon('standard', { token });
        expect({ token, status: answer.status, body: answer.body }).toEqual({
          token,
          status: 400,
          body: { error: 'coupon not found', message: 'Coupon not found' },
        });
      }
      const crossOrg = await redeemCoupon('standard', { token: theirs.qr_token });
      expect(crossOrg.status).toBe(400);
      expect(crossOrg.body).toEqual({ error: 'coupon not found', message: 'Coupon not found' });
      const active = await sql<{ status: string }>(
        `select status from loyalty.loyalty_coupon where id in (?, ?) order by id`,
        [mine.id, theirs.id],
      );
      expect(active.map((c) => c.status)).toEqual(['ACTIVE', 'ACTIVE']);
      // Both stay redeemable by their own org.
      expect((await redeemCoupon('standard', { token: mine.qr_token })).status).toBe(200);
      const own = await withPin(PATH.coupon, KEY.balanced, { token: theirs.qr_token }, code('balanced', 94));
      expect(own.status).toBe(200);
    });
  });

  describe('refusals by customer and subscription', () => {
    it.each(['standard', 'balanced', 'strict'] as const)(
      '%s: an unknown customer code is 400 {"error":"customer not found"} on earn and redeem',
      async (preset) => {
        const rows = await countRows(api.stack, 'loyalty.loyalty_transaction');
        const pins = await countRows(api.stack, 'loyalty.loyalty_pin_challenge');
        for (const [path, body] of [
          [PATH.earn, { customer_code: 999999, amount: 5, external_id: ext('nobody') }],
          [PATH.redeem, { customer_code: 999999, value: 1, external_id: ext('nobody') }],
        ] as const) {
          const answer = await post(path, KEY[preset], body);
          expect(answer.status).toBe(400);
          expect(answer.body).toEqual({ error: 'customer not found', message: 'Customer not found' });
        }
        expect(await countRows(api.stack, 'loyalty.loyalty_transaction')).toBe(rows);
        expect(await countRows(api.stack, 'loyalty.loyalty_pin_challenge')).toBe(pins);
      },
    );

    it('a lapsed org is 402 subscription_required on earn, redeem and coupon redeem, recording nothing', async () => {
      const customer = code('lapsed', 93);
      // A coupon issued while the subscription was active, redeemed after it lapsed.
      await sql(`update loyalty.loyalty_org set subscription_active = true where id = ?`, [ORG_ID.lapsed]);
      let coupon: { qr_token: string };
      try {
        coupon = await issueCoupon('lapsed', customer);
      } finally {
        await sql(`update loyalty.loyalty_org set subscription_active = false where id = ?`, [ORG_ID.lapsed]);
      }
      const before = await snapshot(customer);
      const calls = [
        earn('lapsed', { customer_code: Number(customer), amount: 10, external_id: ext('lapsed') }),
        earn('lapsed', { customer_code: Number(customer), amount: 1, card_type: 'stamp', external_id: ext('lapsed') }),
        redeem('lapsed', { customer_code: Number(customer), value: 1, card_type: 'point', external_id: ext('lapsed') }),
        redeemCoupon('lapsed', { token: coupon.qr_token }),
        // Its key learns the lapse whatever code it sends.
        earn('lapsed', { customer_code: 999999, amount: 10, external_id: ext('lapsed') }),
      ];
      for (const answer of await Promise.all(calls)) {
        expect(answer.status).toBe(402);
        expect(answer.body).toEqual({ error: 'subscription_required', message: expect.any(String) });
      }
      expect(await snapshot(customer)).toEqual(before);
    });
  });

  describe('concurrency', () => {
    it('50 concurrent earns with one external_id: one ledger row, 49 "already processed", the balance raised once', async () => {
      const customer = code('standard', 95);
      const before = await snapshot(customer);
      const externalId = ext('race-earn');
      const answers = await Promise.all(
        Array.from({ length: 50 }, () =>
          earn('standard', { customer_code: Number(customer), amount: 7, external_id: externalId }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
      const processed = answers.filter((a) => a.body.data.message === undefined);
      expect(processed.map((a) => a.body)).toEqual([
        { data: { points: before[0].points + 7, stamps: before[0].stamps } },
      ]);
      expect(answers.filter((a) => a.body.data.message === 'already processed')).toHaveLength(49);
      expect(await countRows(api.stack, 'loyalty.loyalty_transaction', 'external_id = ?', [externalId])).toBe(1);
      expect(await snapshot(customer)).toEqual([
        { ...before[0], points: before[0].points + 7, rows: before[0].rows + 1 },
      ]);
    });

    it('50 concurrent redeems of 10 on 100 points: 10 succeed, 40 are 422 insufficient_balance, never below 0', async () => {
      const customer = code('standard', 95);
      await setPoints(customer, 100);
      const rowsBefore = await ledgerRows(customer);
      const externalIds = Array.from({ length: 50 }, () => ext('race-redeem'));
      const answers = await Promise.all(
        externalIds.map((externalId) =>
          redeem('standard', {
            customer_code: Number(customer),
            value: 10,
            card_type: 'point',
            external_id: externalId,
          }),
        ),
      );
      const ok = answers.filter((a) => a.status === 200);
      const refused = answers.filter((a) => a.status === 422);
      expect(ok).toHaveLength(10);
      expect(refused).toHaveLength(40);
      for (const answer of refused) expect(answer.body.error).toBe('insufficient_balance');
      // Each success saw the balance the one before it left: 90, 80, …, 0.
      expect(ok.map((a) => a.body.data.points).sort((a, b) => a - b)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
      expect((await balance(customer)).points).toBe(0);
      expect(await ledgerRows(customer)).toBe(rowsBefore + 10);
      expect(
        await countRows(
          api.stack,
          'loyalty.loyalty_transaction',
          `kind = 'REDEEM' and external_id in (${externalIds.map(() => '?').join(', ')})`,
          externalIds,
        ),
      ).toBe(10);
      await expectLedgerConsistent(customer);
    });
  });

  describe('authentication', () => {
    const bodies: Record<Action, Record<string, unknown>> = {
      earn: { customer_code: 482193, amount: 10, external_id: 'auth-probe' },
      redeem: { customer_code: 482193, value: 1, card_type: 'point', external_id: 'auth-probe' },
      coupon: { token: 'cq_probe' },
    };

    it('a missing, wrong or disabled X-Api-Key is 401 with one and the same body, which reveals nothing', async () => {
      // A working key of the standard org, then disabled.
      const disabledKey = `test-disabled-${randomUUID()}`;
      const em = api.stack.gateway.orm.em.fork();
      const row = em.create(ApiKey, {
        keyHash: hashBearerSecret(disabledKey),
        partner: em.getReference(Partner, DEMO.tenants.demo),
        kind: 'loyaltyOrg',
        subject: ORG_ID.standard,
        label: 'test key, disabled below',
        active: true,
        createdAt: new Date(),
      });
      await em.flush();
      expect((await post(PATH.earn, disabledKey, { ...bodies.earn, external_id: ext('auth') })).status).toBe(200);
      row.active = false;
      await em.flush();

      const before = await snapshot(code('standard', 93));
      const keys: Array<string | null> = [
        null,
        '',
        'wrong-key-123456',
        KEY.standard.toUpperCase(),
        'x'.repeat(300),
        disabledKey,
      ];
      for (const action of Object.keys(PATH) as Action[]) {
        for (const key of keys) {
          const answer = await post(PATH[action], key, bodies[action]);
          expect({ action, key, status: answer.status, body: answer.body }).toEqual({
            action,
            key,
            status: 401,
            body: UNAUTHORIZED,
          });
          expect(answer.headers.get('www-authenticate')).toBeNull();
          expect(JSON.stringify(answer.body)).not.toMatch(/482193|points|stamps|customer/i);
        }
      }
      expect(await snapshot(code('standard', 93))).toEqual(before);
    });

    it('a Bearer access token is no X-Api-Key: 401, even one holding tilt/loyalty:pos', async () => {
      for (const action of Object.keys(PATH) as Action[]) {
        const answer = await post(PATH[action], null, bodies[action], { token: api.partner });
        expect(answer.status).toBe(401);
        expect(answer.body).toEqual(UNAUTHORIZED);
      }
    });

    it('a customer’s dashboard key on /webhook/* is 403, recording nothing', async () => {
      const before = await snapshot(code('standard', 93));
      for (const action of Object.keys(PATH) as Action[]) {
        const answer = await post(PATH[action], 'demo-customer-482193', bodies[action]);
        expect(answer.status).toBe(403);
        expect(answer.body).toEqual({
          error: 'insufficient_scope',
          message: 'Forbidden',
          details: ['The API key lacks the scope tilt/loyalty:pos'],
        });
      }
      expect(await snapshot(code('standard', 93))).toEqual(before);
    });

    it('an org’s key cannot touch another org’s customers: 400 customer not found, nothing recorded', async () => {
      const pairs: Array<[Org, string]> = [
        ['standard', code('balanced', 93)],
        ['standard', code('strict', 94)],
        ['balanced', code('standard', 93)],
        ['strict', code('standard', 93)],
        ['strict', code('balanced', 95)],
        ['lapsed', code('standard', 93)],
      ];
      for (const [org, customer] of pairs) {
        const before = await snapshot(customer);
        const answers = [
          await earn(org, { customer_code: Number(customer), amount: 10, external_id: ext('cross') }),
          await earn(org, { customer_code: Number(customer), amount: 1, card_type: 'stamp', external_id: ext('x') }),
          await redeem(org, { customer_code: Number(customer), value: 1, card_type: 'point', external_id: ext('x') }),
        ];
        for (const answer of answers) {
          // The lapsed org's key hears of its lapse first; no key learns anything of another org's customer.
          expect(answer.body).toEqual(
            org === 'lapsed'
              ? { error: 'subscription_required', message: expect.any(String) }
              : { error: 'customer not found', message: 'Customer not found' },
          );
          expect(answer.status).toBe(org === 'lapsed' ? 402 : 400);
        }
        expect(await snapshot(customer)).toEqual(before);
      }
    });
  });

  describe('malformed bodies: 400 with a details line, and nothing changed', () => {
    const earnOk = { customer_code: 482193, amount: 10, card_type: 'point', external_id: 'malformed' };
    const redeemOk = { customer_code: 482193, value: 1, card_type: 'point', external_id: 'malformed' };
    const without = (body: Record<string, unknown>, key: string) =>
      Object.fromEntries(Object.entries(body).filter(([k]) => k !== key));
    const cases: Array<[string, Action, Record<string, unknown> | string, RegExp]> = [
      ['amount as a string "5"', 'earn', { ...earnOk, amount: '5' }, /^body\.amount: must be a number/],
      ['a negative amount', 'earn', { ...earnOk, amount: -5 }, /^body\.amount: /],
      ['a zero amount', 'earn', { ...earnOk, amount: 0 }, /^body\.amount: /],
      ['a zero stamp amount', 'earn', { ...earnOk, amount: 0, card_type: 'stamp' }, /^body\.amount: /],
      ['an amount with 3 decimals', 'earn', { ...earnOk, amount: 85.555 }, /^body\.amount: .*2 decimals/],
      ['a missing amount', 'earn', without(earnOk, 'amount'), /^body\.amount: /],
      ['a 5-digit customer code', 'earn', { ...earnOk, customer_code: 48219 }, /^body\.customer_code: .*6-digit/],
      ['a 7-digit customer code', 'earn', { ...earnOk, customer_code: 4821930 }, /^body\.customer_code: .*6-digit/],
      ['a 5-digit string code', 'earn', { ...earnOk, customer_code: '48219' }, /^body\.customer_code: /],
      ['a code with a leading zero lost', 'redeem', { ...redeemOk, customer_code: 82193 }, /^body\.customer_code: /],
      ['a missing customer code', 'earn', without(earnOk, 'customer_code'), /^body\.customer_code: /],
      ['an unknown card_type', 'earn', { ...earnOk, card_type: 'coins' }, /^body\.card_type: /],
      ['an unknown redeem card_type', 'redeem', { ...redeemOk, card_type: 'POINT' }, /^body\.card_type: /],
      ['a missing external_id', 'earn', without(earnOk, 'external_id'), /^body\.external_id: is required/],
      ['a missing redeem external_id', 'redeem', without(redeemOk, 'external_id'), /^body\.external_id: is required/],
      ['an empty external_id', 'earn', { ...earnOk, external_id: '' }, /^body\.external_id: /],
      ['a numeric external_id', 'earn', { ...earnOk, external_id: 42 }, /^body\.external_id: /],
      ['a fractional redeem value', 'redeem', { ...redeemOk, value: 1.5 }, /^body\.value: /],
      ['a negative redeem value', 'redeem', { ...redeemOk, value: -3 }, /^body\.value: /],
      ['a zero redeem value', 'redeem', { ...redeemOk, value: 0 }, /^body\.value: /],
      ['a redeem value as a string', 'redeem', { ...redeemOk, value: '10' }, /^body\.value: must be a number/],
      ['a 3-digit PIN', 'earn', { ...earnOk, verification_pin: '123' }, /^body\.verification_pin: .*4 digits/],
      ['a 5-digit PIN', 'redeem', { ...redeemOk, verification_pin: '12345' }, /^body\.verification_pin: .*4 digits/],
      ['a PIN of letters', 'earn', { ...earnOk, verification_pin: 'abcd' }, /^body\.verification_pin: /],
      ['a numeric PIN', 'coupon', { token: 'cq_x', verification_pin: 1234 }, /^body\.verification_pin: /],
      ['a manual_code string', 'earn', { ...earnOk, manual_code: 'yes' }, /^body\.manual_code: /],
      ['an unknown extra field', 'earn', { ...earnOk, tip: 5 }, /^body: .*tip/],
      ['an unknown redeem field', 'redeem', { ...redeemOk, amount: 5 }, /^body: .*amount/],
      ['a missing coupon token', 'coupon', {}, /^body\.token: is required/],
      ['an unknown coupon field', 'coupon', { token: 'cq_x', customer_code: 482193 }, /^body: .*customer_code/],
      ['malformed JSON', 'earn', '{"customer_code": 482193, "amount": ', /^body: malformed JSON$/],
      ['malformed redeem JSON', 'redeem', '{customer_code: 482193}', /^body: malformed JSON$/],
      ['a JSON array', 'earn', '[]', /^body: /],
      ['JSON null', 'earn', 'null', /^body/],
    ];

    it.each(cases)('%s', async (_name, action, body, detail) => {
      const customer = code('standard', 93);
      const before = await snapshot(customer);
      const total = await countRows(api.stack, 'loyalty.loyalty_transaction');
      const answer =
        typeof body === 'string'
          ? await post(PATH[action], KEY.standard, undefined, { raw: body })
          : await post(PATH[action], KEY.standard, body);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        error: 'validation_error',
        message: 'Validation error',
        details: expect.arrayContaining([expect.stringMatching(detail)]),
      });
      expect(await snapshot(customer)).toEqual(before);
      expect(await countRows(api.stack, 'loyalty.loyalty_transaction')).toBe(total);
    });

    it('the same malformed bodies at strict are 400 too, before any PIN challenge', async () => {
      const customer = code('strict', 93);
      const before = await snapshot(customer);
      for (const [, action, body] of cases) {
        const strictBody =
          typeof body === 'string' || body.customer_code !== 482193 ? body : { ...body, customer_code: 682193 };
        const answer =
          typeof strictBody === 'string'
            ? await post(PATH[action], KEY.strict, undefined, { raw: strictBody })
            : await post(PATH[action], KEY.strict, strictBody);
        expect(answer.status).toBe(400);
      }
      expect(await snapshot(customer)).toEqual(before);
    });
  });
});
