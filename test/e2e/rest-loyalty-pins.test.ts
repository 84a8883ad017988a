import {
  loyaltyApi,
  KEY,
  type Preset,
  code,
  PATH,
  type Action,
  ISO,
  UUID,
  ext,
  wrongPin,
} from '../support/loyalty-api';

/**
 * The loyalty POS API's verification presets and PIN flow over real HTTP: which actions of which preset ask for a
 * PIN (412 pin_required), the PIN read off the customer's dashboard, wrong, expired, foreign and malformed PINs, the
 * lock after three. Balances are read through the graph and the ledger counted in the database, so that a refusal
 * is shown to change nothing.
 */
describe('REST loyalty API: presets and the PIN flow', () => {
  const api = loyaltyApi();
  const { post, earn, redeem, balance, snapshot, pendingRedeems, pinOf, issueCoupon } = api;

  describe('presets: which actions ask for a PIN', () => {
    const GATED: Record<Preset, Record<Action, boolean>> = {
      standard: { earn: false, redeem: false, coupon: false },
      balanced: { earn: false, redeem: true, coupon: true },
      strict: { earn: true, redeem: true, coupon: true },
    };
    const cases = (Object.keys(GATED) as Preset[]).flatMap((preset) =>
      (Object.keys(PATH) as Action[]).map((action) => [preset, action, GATED[preset][action]] as const),
    );
    /** The body of one call of `action` for the preset's customer <prefix>93 (points) or <prefix>94 (coupon). */
    const bodyFor = async (
      preset: Preset,
      action: Action,
    ): Promise<{ body: Record<string, unknown>; customer: string }> => {
      if (action === 'coupon') {
        const customer = code(preset, 94);
        return { customer, body: { token: (await issueCoupon(preset, customer)).qr_token } };
      }
      const customer = code(preset, 93);
      return {
        customer,
        body: {
          customer_code: Number(customer),
          card_type: 'point',
          external_id: ext(`${preset}-${action}`),
          ...(action === 'earn' ? { amount: 2 } : { value: 1 }),
        },
      };
    };

    it.each(cases)('%s %s without a PIN: gated = %p', async (preset, action, gated) => {
      const { body, customer } = await bodyFor(preset, action);
      const before = await snapshot(customer);
      const startedAt = api.clock.now().getTime();
      const answer = await post(PATH[action], KEY[preset], body);
      if (!gated) {
        expect(answer.status).toBe(200);
        return;
      }
      expect(answer.status).toBe(412);
      expect(answer.body).toEqual({
        error: 'pin_required',
        message: expect.stringMatching(/PIN/),
        challenge_id: expect.stringMatching(UUID),
        expires_at: expect.stringMatching(ISO),
      });
      // The challenge lives 90 s.
      const ttl = Date.parse(answer.body.expires_at) - startedAt;
      expect(ttl).toBeGreaterThan(85_000);
      expect(ttl).toBeLessThanOrEqual(91_000);
      // Nothing happened but the challenge.
      const after = await snapshot(customer);
      expect(after).toEqual([{ ...before[0], pins: before[0].pins + 1 }]);
      // With the dashboard's PIN, the same call goes through.
      const pin = await pinOf(customer, answer.body.challenge_id);
      expect((await post(PATH[action], KEY[preset], { ...body, verification_pin: pin })).status).toBe(200);
    });

    it.each(cases)('%s %s with manual_code true: refused only at strict', async (preset, action) => {
      const { body, customer } = await bodyFor(preset, action);
      const before = await snapshot(customer);
      const manual = { ...body, manual_code: true };
      const answer = await post(PATH[action], KEY[preset], manual);
      if (preset === 'strict') {
        expect(answer.status).toBe(422);
        expect(answer.body).toEqual({ error: 'manual_code_disabled', message: expect.any(String) });
        // No challenge was issued for a request that cannot go through, and nothing was recorded.
        expect(await snapshot(customer)).toEqual(before);
        return;
      }
      // Standard and Balanced accept a typed code (Balanced still asks for the PIN before a redemption).
      expect(answer.status).toBe(GATED[preset][action] ? 412 : 200);
      if (answer.status === 412) {
        const pin = await pinOf(customer, answer.body.challenge_id);
        expect((await post(PATH[action], KEY[preset], { ...manual, verification_pin: pin })).status).toBe(200);
      }
    });

    it('strict refuses manual entry even with the right PIN', async () => {
      const customer = code('strict', 93);
      const body = { customer_code: Number(customer), amount: 1, external_id: ext('manual') };
      const asked = await earn('strict', body);
      expect(asked.status).toBe(412);
      const pin = await pinOf(customer, asked.body.challenge_id);
      const before = await snapshot(customer);
      const answer = await earn('strict', { ...body, verification_pin: pin, manual_code: true });
      expect(answer.status).toBe(422);
      expect(answer.body.error).toBe('manual_code_disabled');
      expect(await snapshot(customer)).toEqual(before);
      // The PIN was not spent on the refused call.
      expect((await earn('strict', { ...body, verification_pin: pin })).status).toBe(200);
    });
  });

  describe.each(['strict', 'balanced'] as const)('the PIN flow at %s', (preset) => {
    const alice = code(preset, 93);
    const bob = code(preset, 95);
    const redeemBody = (customer = alice) => ({
      customer_code: Number(customer),
      value: 1,
      card_type: 'point',
      external_id: ext(`${preset}-pin`),
    });

    it('412 pin_required → wrong PIN 422 pin_invalid (2 left) → the dashboard’s PIN 200', async () => {
      const body = redeemBody();
      const before = await balance(alice);
      const asked = await redeem(preset, body);
      expect(asked.status).toBe(412);
      expect(asked.body.error).toBe('pin_required');
      const { challenge_id: challengeId, expires_at: expiresAt } = asked.body;

      // The customer sees the PIN, for this action and program, on their own dashboard.
      const pending = await pendingRedeems(alice);
      expect(pending).toEqual([
        {
          challengeId,
          action: 'REDEEM',
          pin: expect.stringMatching(/^\d{4}$/),
          expiresAt,
          orgName: `Demo ${preset} rewards`,
        },
      ]);
      const { pin } = pending[0];

      const wrong = await redeem(preset, { ...body, verification_pin: wrongPin(pin) });
      expect(wrong.status).toBe(422);
      expect(wrong.body).toEqual({ error: 'pin_invalid', message: 'Incorrect PIN', remaining_attempts: 2 });
      expect(await balance(alice)).toEqual(before);

      const right = await redeem(preset, { ...body, verification_pin: pin });
      expect(right.status).toBe(200);
      expect(right.body).toEqual({ data: { points: before.points - 1, stamps: before.stamps } });
      expect(await pendingRedeems(alice)).toEqual([]);

      // A PIN opens one action: the next redemption starts a new challenge.
      const next = await redeem(preset, { ...redeemBody(), verification_pin: pin });
      expect(next.status).toBe(412);
      expect(next.body.challenge_id).not.toBe(challengeId);
    });

    it('three wrong PINs consume the challenge (2, 1, 0 left), then 429; a retry without PIN gets a fresh one that works', async () => {
      const body = redeemBody();
      const before = await balance(alice);
      const asked = await redeem(preset, body);
      expect(asked.status).toBe(412);
      const pin = await pinOf(alice, asked.body.challenge_id);
      const remaining = [];
      for (let i = 0; i < 3; i++) {
        const wrong = await redeem(preset, { ...body, verification_pin: wrongPin(pin) });
        expect(wrong.status).toBe(422);
        expect(wrong.body.error).toBe('pin_invalid');
        remaining.push(wrong.body.remaining_attempts);
      }
      expect(remaining).toEqual([2, 1, 0]);
      // Consumed: even the right PIN no longer opens it, and the dashboard no longer shows it.
      for (const attempt of [pin, wrongPin(pin)]) {
        const exceeded = await redeem(preset, { ...body, verification_pin: attempt });
        expect(exceeded.status).toBe(429);
        expect(exceeded.body).toEqual({ error: 'pin_attempts_exceeded', message: expect.any(String) });
      }
      expect(await pendingRedeems(alice)).toEqual([]);
      expect(await balance(alice)).toEqual(before);

      const fresh = await redeem(preset, body);
      expect(fresh.status).toBe(412);
      expect(fresh.body.challenge_id).not.toBe(asked.body.challenge_id);
      const freshPin = await pinOf(alice, fresh.body.challenge_id);
      const done = await redeem(preset, { ...body, verification_pin: freshPin });
      expect(done.status).toBe(200);
      expect(done.body.data.points).toBe(before.points - 1);
    });

    it('a challenge older than 90 s (by the service’s clock) is 422 pin_expired; a retry without PIN starts over', async () => {
      const before = await balance(alice);
      // Just inside the 90 s, the PIN still works.
      const inTime = redeemBody();
      const first = await redeem(preset, inTime);
      const firstPin = await pinOf(alice, first.body.challenge_id);
      api.advanceClock(89_000);
      expect((await redeem(preset, { ...inTime, verification_pin: firstPin })).status).toBe(200);

      const late = redeemBody();
      const asked = await redeem(preset, late);
      expect(asked.status).toBe(412);
      const pin = await pinOf(alice, asked.body.challenge_id);
      api.advanceClock(91_000);
      for (const attempt of [pin, wrongPin(pin)]) {
        const expired = await redeem(preset, { ...late, verification_pin: attempt });
        expect(expired.status).toBe(422);
        expect(expired.body).toEqual({ error: 'pin_expired', message: expect.any(String) });
      }
      expect(await pendingRedeems(alice)).toEqual([]);
      expect((await balance(alice)).points).toBe(before.points - 1);

      const fresh = await redeem(preset, late);
      expect(fresh.status).toBe(412);
      expect(fresh.body.challenge_id).not.toBe(asked.body.challenge_id);
      expect(Date.parse(fresh.body.expires_at)).toBeGreaterThan(Date.parse(asked.body.expires_at) + 85_000);
      const freshPin = await pinOf(alice, fresh.body.challenge_id);
      expect((await redeem(preset, { ...late, verification_pin: freshPin })).status).toBe(200);
      expect((await balance(alice)).points).toBe(before.points - 2);
    });

    it('a PIN issued for redeem does not open another action (it is bound to the action)', async () => {
      const body = redeemBody();
      const asked = await redeem(preset, body);
      expect(asked.status).toBe(412);
      const pin = await pinOf(alice, asked.body.challenge_id);
      const coupon = await issueCoupon(preset, alice);
      const before = await snapshot(alice);

      const others: Array<[string, Record<string, unknown>]> = [[PATH.coupon, { token: coupon.qr_token }]];
      if (preset === 'strict')
        others.push([PATH.earn, { customer_code: Number(alice), amount: 3, external_id: ext('x') }]);
      for (const [path, other] of others) {
        const answer = await post(path, KEY[preset], { ...other, verification_pin: pin });
        // No challenge of that action was open: the PIN is not checked against the redeem one, a new one starts.
        expect(answer.status).toBe(412);
        expect(answer.body.challenge_id).not.toBe(asked.body.challenge_id);
      }
      const after = await snapshot(alice);
      expect(after).toEqual([{ ...before[0], pins: before[0].pins + others.length }]);
      // The redeem challenge is untouched: its PIN still works, for redeem.
      const done = await redeem(preset, { ...body, verification_pin: pin });
      expect(done.status).toBe(200);
      expect(done.body.data.points).toBe(before[0].points - 1);
    });

    it('a PIN of customer A does not open customer B', async () => {
      const bodyA = redeemBody(alice);
      const askedA = await redeem(preset, bodyA);
      expect(askedA.status).toBe(412);
      const pinA = await pinOf(alice, askedA.body.challenge_id);
      const bobBefore = await snapshot(bob);

      // B has no open challenge: A's PIN starts one for B instead of passing.
      const bodyB = redeemBody(bob);
      const noChallenge = await redeem(preset, { ...bodyB, verification_pin: pinA });
      expect(noChallenge.status).toBe(412);
      // B's own challenge (with a PIN other than A's): A's PIN is a wrong PIN there.
      let challengeB = noChallenge.body.challenge_id as string;
      while ((await pinOf(bob, challengeB)) === pinA) challengeB = (await redeem(preset, bodyB)).body.challenge_id;
      const wrong = await redeem(preset, { ...bodyB, verification_pin: pinA });
      expect(wrong.status).toBe(422);
      expect(wrong.body).toMatchObject({ error: 'pin_invalid', remaining_attempts: 2 });
      const bobAfter = await snapshot(bob);
      expect({ ...bobAfter[0], pins: 0 }).toEqual({ ...bobBefore[0], pins: 0 });
      expect(bobAfter[0].rows).toBe(bobBefore[0].rows);

      // A's PIN still opens A's redemption; B's challenge is B's alone.
      expect((await redeem(preset, { ...bodyA, verification_pin: pinA })).status).toBe(200);
      expect(await pendingRedeems(alice)).toEqual([]);
      expect((await pendingRedeems(bob)).map((p: any) => p.challengeId)).toEqual([challengeB]);
    });

    it('the PIN comes before the balance: 412, then 422 insufficient_balance, and the PIN still opens a smaller redemption', async () => {
      const before = await balance(alice);
      const body = { ...redeemBody(), value: before.points + 1 };
      const asked = await redeem(preset, body);
      // A stolen QR learns nothing about the balance without the customer's PIN.
      expect(asked.status).toBe(412);
      const pin = await pinOf(alice, asked.body.challenge_id);
      const tooMuch = await redeem(preset, { ...body, verification_pin: pin });
      expect(tooMuch.status).toBe(422);
      expect(tooMuch.body.error).toBe('insufficient_balance');
      expect(await balance(alice)).toEqual(before);
      const done = await redeem(preset, { ...body, value: 1, verification_pin: pin });
      expect(done.status).toBe(200);
      expect(done.body.data.points).toBe(before.points - 1);
    });

    it('a malformed PIN is a 400 and costs no attempt', async () => {
      const body = redeemBody();
      const asked = await redeem(preset, body);
      const pin = await pinOf(alice, asked.body.challenge_id);
      for (const bad of ['123', '12345', 'abcd', 1234]) {
        const answer = await redeem(preset, { ...body, verification_pin: bad });
        expect(answer.status).toBe(400);
        expect(answer.body.error).toBe('validation_error');
        expect(answer.body.details).toEqual([expect.stringMatching(/^body\.verification_pin: /)]);
      }
      const wrong = await redeem(preset, { ...body, verification_pin: wrongPin(pin) });
      expect(wrong.body.remaining_attempts).toBe(2);
      expect((await redeem(preset, { ...body, verification_pin: pin })).status).toBe(200);
    });
  });
});
