import { randomUUID } from 'node:crypto';
import { DEMO, LOYALTY_CUSTOMER_SCOPE, type Principal, SCOPES, parseConfig, subgraphEnvSchema } from '@pos/kit';
import { TEST_ENV, type TestSubgraph, partnerPrincipal, posUserPrincipal, startTestSubgraph } from '@pos/testing';
import { loyalty } from '../src/app';
import type { LoyaltyRuntime } from '../src/context';

/**
 * The customer's PIN lock, on the subgraph itself: wrong PINs count per customer, whatever the challenge, the
 * action or the caller; once 3 challenges' worth (9) fall within an hour, every gated call for that customer is
 * a PIN_LOCKED user error until the hour since the first of them has passed.
 */

const [, BALANCED, STRICT] = DEMO.loyaltyOrgs.map((org) => org.id);
const orgKey = (orgId: string): Principal => ({
  tenantId: 'demo',
  subject: orgId,
  kind: 'loyaltyOrg',
  clientId: null,
  scopes: [SCOPES.loyaltyPos],
  locationIds: null,
});
const customerKey = (customerId: string): Principal => ({
  tenantId: 'demo',
  subject: customerId,
  kind: 'loyaltyCustomer',
  clientId: null,
  scopes: [LOYALTY_CUSTOMER_SCOPE],
  locationIds: null,
});
const partner = partnerPrincipal('demo', [SCOPES.loyaltyPos]);
const reader = partnerPrincipal('demo', [SCOPES.posRead]);

const EARN = `mutation($input: EarnLoyaltyInput!) { earnLoyalty(input: $input) { points userErrors { code field message } pinVerification { challengeId expiresAt remainingAttempts lockedUntil retryAfterSeconds } } }`;
const REDEEM = `mutation($input: RedeemLoyaltyInput!) { redeemLoyalty(input: $input) { points userErrors { code field message } pinVerification { challengeId expiresAt remainingAttempts lockedUntil retryAfterSeconds } } }`;
const DASHBOARD = `{ loyaltyDashboard { pinLockedUntil pendingPins { challengeId action pin } customer { pinLockedUntil } } }`;
const HOUR = 3_600_000;

type Action = 'earn' | 'redeem';
interface Customer {
  id: string;
  code: string;
}

let seq = 0;
const wrongPin = (pin: string) => String((Number(pin) + 1) % 10_000).padStart(4, '0');

describe('loyalty PIN lock (subgraph)', () => {
  let subgraph: TestSubgraph;
  let runtime: LoyaltyRuntime;
  let offset = 0;
  /** Moves the subgraph's clock forward (never back: challenges are ordered by it). */
  const advance = (ms: number) => {
    offset += ms;
    runtime.clock.now = () => new Date(Date.now() + offset);
  };

  beforeAll(async () => {
    subgraph = await startTestSubgraph(loyalty, partner);
    runtime = subgraph.started.runtime as LoyaltyRuntime;
    advance(0);
  });
  afterAll(() => subgraph?.close());

  /** A fresh customer of the org with 1000 points, so that no test's lock reaches another's. */
  const newCustomer = async (orgId: string, sub: TestSubgraph = subgraph): Promise<Customer> => {
    const customer = { id: randomUUID(), code: String(910_000 + ++seq) };
    await sub.sql(`insert into loyalty.loyalty_customer (id, org_id, code, points) values (?, ?, ?, 1000)`, [
      customer.id,
      orgId,
      customer.code,
    ]);
    return customer;
  };
  const act = (as: Principal, action: Action, customer: Customer, pin?: string, sub: TestSubgraph = subgraph) =>
    sub.call(
      action === 'earn' ? EARN : REDEEM,
      {
        input: {
          customerCode: customer.code,
          externalId: `lock-${++seq}`,
          ...(action === 'earn' ? { amountMinor: 100 } : { cardType: 'POINT', value: 1 }),
          ...(pin === undefined ? {} : { verificationPin: pin }),
        },
      },
      as,
    );
  /** The user error of a refused call (its code) with the PIN facts the payload carries, or null when it went through. */
  const refusal = async (answer: ReturnType<typeof act>) => {
    const { body } = await answer;
    expect(body.errors).toBeUndefined();
    const payload = (body.data!.earnLoyalty ?? body.data!.redeemLoyalty) as Record<string, any>;
    const [error] = payload.userErrors as Array<{ code: string }>;
    if (!error) return null;
    const facts = Object.entries(payload.pinVerification ?? {}).filter(([, value]) => value !== null);
    return { code: error.code, ...Object.fromEntries(facts) } as Record<string, any>;
  };
  const dashboard = async (customer: Customer, sub: TestSubgraph = subgraph) => {
    const { body } = await sub.call(DASHBOARD, {}, customerKey(customer.id));
    expect(body.errors).toBeUndefined();
    return body.data!.loyaltyDashboard;
  };
  /** Opens a challenge for the action (a call without PIN) and reads its PIN off the customer's dashboard. */
  const challenge = async (as: Principal, action: Action, customer: Customer, sub: TestSubgraph = subgraph) => {
    const asked = await refusal(act(as, action, customer, undefined, sub));
    expect(asked).toMatchObject({ code: 'PIN_REQUIRED' });
    const { body } = await sub.call(
      `{ loyaltyDashboard { pendingPins { challengeId pin } } }`,
      {},
      customerKey(customer.id),
    );
    const pending = body.data!.loyaltyDashboard.pendingPins.find((p: any) => p.challengeId === asked!.challengeId);
    return { challengeId: asked!.challengeId as string, pin: pending.pin as string };
  };
  /** Opens a challenge and gives `n` wrong PINs to it; the remaining attempts each answer reported. */
  const fail = async (as: Principal, action: Action, customer: Customer, n: number, sub: TestSubgraph = subgraph) => {
    const { pin } = await challenge(as, action, customer, sub);
    const remaining = [];
    for (let i = 0; i < n; i++) {
      const wrong = await refusal(act(as, action, customer, wrongPin(pin), sub));
      expect(wrong).toMatchObject({ code: 'PIN_INVALID' });
      remaining.push(wrong!.remainingAttempts);
    }
    return remaining;
  };
  const failures = async (customer: Customer, sub: TestSubgraph = subgraph) =>
    (
      await sub.sql<{ failed_at: Date }>(
        `select failed_at from loyalty.loyalty_pin_failure where customer_id = ? order by failed_at`,
        [customer.id],
      )
    ).map((row) => new Date(row.failed_at).getTime());
  const challengeCount = async (customer: Customer) =>
    Number(
      (
        await subgraph.sql<{ n: string }>(
          `select count(*) as n from loyalty.loyalty_pin_challenge where customer_id = ?`,
          [customer.id],
        )
      )[0].n,
    );

  it('settings: 3 challenges and 3600 s by default; values out of range are refused at start-up', () => {
    const parse = (env: Record<string, string>) =>
      parseConfig(subgraphEnvSchema(0, loyalty.env), { ...TEST_ENV, DATABASE_URL: 'postgres://x/y', ...env });
    expect(parse({})).toMatchObject({ LOYALTY_PIN_LOCK_CHALLENGES: 3, LOYALTY_PIN_LOCK_WINDOW_SECONDS: 3600 });
    expect(parse({ LOYALTY_PIN_LOCK_CHALLENGES: '5', LOYALTY_PIN_LOCK_WINDOW_SECONDS: '600' })).toMatchObject({
      LOYALTY_PIN_LOCK_CHALLENGES: 5,
      LOYALTY_PIN_LOCK_WINDOW_SECONDS: 600,
    });
    for (const challenges of ['0', '-1', '1.5', 'many', '101']) {
      expect(() => parse({ LOYALTY_PIN_LOCK_CHALLENGES: challenges })).toThrow(/LOYALTY_PIN_LOCK_CHALLENGES/);
    }
    for (const seconds of ['0', '59', '86401', '3600.5', 'hour']) {
      expect(() => parse({ LOYALTY_PIN_LOCK_WINDOW_SECONDS: seconds })).toThrow(/LOYALTY_PIN_LOCK_WINDOW_SECONDS/);
    }
  });

  it('counts every wrong PIN across challenges, actions and callers: after 9, every challenge and PIN is refused', async () => {
    const customer = await newCustomer(STRICT);
    // 2 wrong PINs, then a fresh challenge supersedes that one: the 2 still count (else 2 guesses per challenge
    // would go on for ever).
    expect(await fail(orgKey(STRICT), 'redeem', customer, 2)).toEqual([2, 1]);
    // Another action, another caller acting for the same org.
    expect(await fail(partner, 'earn', customer, 3)).toEqual([2, 1, 0]);
    expect(await fail(partner, 'redeem', customer, 3)).toEqual([2, 1, 0]);
    // An open challenge of another action when the lock starts: it is closed with it.
    const open = await challenge(orgKey(STRICT), 'earn', customer);
    const last = await challenge(orgKey(STRICT), 'redeem', customer);
    const ninth = await refusal(act(orgKey(STRICT), 'redeem', customer, wrongPin(last.pin)));
    // The 9th wrong PIN is answered as a wrong PIN; its challenge has no attempts left, as the lock has begun.
    expect(ninth).toMatchObject({ code: 'PIN_INVALID', remainingAttempts: 0 });

    const counted = await failures(customer);
    expect(counted).toHaveLength(9);
    const lockedUntil = new Date(counted[0] + HOUR).toISOString();
    const challenges = await challengeCount(customer);
    const calls: Array<[Principal, Action, string | undefined]> = [
      [orgKey(STRICT), 'earn', undefined],
      [partner, 'redeem', undefined],
      [orgKey(STRICT), 'earn', open.pin],
      [partner, 'redeem', last.pin],
      [orgKey(STRICT), 'redeem', wrongPin(last.pin)],
    ];
    for (const [as, action, pin] of calls) {
      const extensions = (await refusal(act(as, action, customer, pin)))!;
      expect(extensions).toEqual({
        code: 'PIN_LOCKED',
        lockedUntil,
        retryAfterSeconds: expect.any(Number),
      });
      const wait = (Date.parse(lockedUntil) - runtime.clock.now().getTime()) / 1000;
      expect(extensions.retryAfterSeconds).toBeGreaterThanOrEqual(Math.floor(wait));
      expect(extensions.retryAfterSeconds).toBeLessThanOrEqual(Math.ceil(wait) + 1);
    }
    // No challenge was issued while locked, no guess counted, and the open ones are gone from the dashboard.
    expect(await challengeCount(customer)).toBe(challenges);
    expect(await failures(customer)).toEqual(counted);
    const statuses = await subgraph.sql<{ status: string }>(
      `select status from loyalty.loyalty_pin_challenge where id in (?, ?) order by status`,
      [open.challengeId, last.challengeId],
    );
    expect(statuses.map((s) => s.status)).toEqual(['LOCKED', 'LOCKED']);
    expect(await dashboard(customer)).toEqual({
      pinLockedUntil: lockedUntil,
      pendingPins: [],
      customer: { pinLockedUntil: lockedUntil },
    });
  });

  it('a correct PIN resets nothing already counted', async () => {
    const customer = await newCustomer(STRICT);
    await fail(orgKey(STRICT), 'redeem', customer, 3);
    await fail(orgKey(STRICT), 'redeem', customer, 3);
    const { pin } = await challenge(orgKey(STRICT), 'redeem', customer);
    await refusal(act(orgKey(STRICT), 'redeem', customer, wrongPin(pin)));
    await refusal(act(orgKey(STRICT), 'redeem', customer, wrongPin(pin)));
    expect(await refusal(act(orgKey(STRICT), 'redeem', customer, pin))).toBeNull();
    // 8 counted; the next wrong PIN is the 9th.
    expect(await fail(orgKey(STRICT), 'earn', customer, 1)).toEqual([0]);
    expect(await refusal(act(orgKey(STRICT), 'earn', customer))).toMatchObject({ code: 'PIN_LOCKED' });
  });

  it('the window slides: the lock lifts an hour after the first of the 9, and 8 remain counted', async () => {
    const customer = await newCustomer(STRICT);
    // Wrong PINs 20 s apart (a challenge lives 90 s), so that each one leaves the window at its own time.
    for (let c = 0; c < 3; c++) {
      const { pin } = await challenge(orgKey(STRICT), 'redeem', customer);
      for (let i = 0; i < 3; i++) {
        await refusal(act(orgKey(STRICT), 'redeem', customer, wrongPin(pin)));
        advance(20_000);
      }
    }
    const [first, second] = await failures(customer);
    advance(first + HOUR - runtime.clock.now().getTime() - 1_000);
    expect(await refusal(act(orgKey(STRICT), 'redeem', customer))).toMatchObject({
      code: 'PIN_LOCKED',
      retryAfterSeconds: 1,
    });
    advance(1_001);
    // Unlocked: challenged again, and the dashboard shows no lock.
    const { pin } = await challenge(orgKey(STRICT), 'redeem', customer);
    expect((await dashboard(customer)).pinLockedUntil).toBeNull();
    // The 8 younger wrong PINs still count: one more locks again, until an hour after the second.
    const again = await refusal(act(orgKey(STRICT), 'redeem', customer, wrongPin(pin)));
    expect(again).toMatchObject({ code: 'PIN_INVALID', remainingAttempts: 0 });
    expect(await refusal(act(orgKey(STRICT), 'redeem', customer, pin))).toMatchObject({
      code: 'PIN_LOCKED',
      lockedUntil: new Date(second + HOUR).toISOString(),
    });
  });

  it('locks only what asks for a PIN: an earn at a balanced org goes through while its customer is locked', async () => {
    const customer = await newCustomer(BALANCED);
    for (let c = 0; c < 3; c++) await fail(orgKey(BALANCED), 'redeem', customer, 3);
    expect(await refusal(act(orgKey(BALANCED), 'redeem', customer))).toMatchObject({ code: 'PIN_LOCKED' });
    const { body } = await act(orgKey(BALANCED), 'earn', customer);
    expect(body.errors).toBeUndefined();
    expect(body.data!.earnLoyalty.points).toBe(1001);
  });

  it('30 concurrent wrong guesses on open challenges cannot overshoot: 9 wrong PINs counted, the rest refused', async () => {
    const customer = await newCustomer(STRICT);
    await fail(orgKey(STRICT), 'redeem', customer, 3);
    await fail(orgKey(STRICT), 'redeem', customer, 3);
    // Two open challenges, 6 attempts between them: only 3 of them may still count.
    const pins = {
      earn: (await challenge(orgKey(STRICT), 'earn', customer)).pin,
      redeem: (await challenge(partner, 'redeem', customer)).pin,
    };
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => {
        const action: Action = i % 2 ? 'earn' : 'redeem';
        return refusal(act(i % 3 ? orgKey(STRICT) : partner, action, customer, wrongPin(pins[action])));
      }),
    );
    const reasons = answers.map((a) => a?.code);
    expect(reasons.filter((r) => r === 'PIN_INVALID')).toHaveLength(3);
    expect(reasons.filter((r) => r !== 'PIN_INVALID').every((r) => r === 'PIN_LOCKED')).toBe(true);
    expect(await failures(customer)).toHaveLength(9);
  });

  it('LoyaltyCustomer.pinLockedUntil: the org’s key, a partner with tilt/loyalty:pos and the customer see it', async () => {
    const customer = await newCustomer(STRICT);
    const unlocked = await newCustomer(STRICT);
    for (let c = 0; c < 3; c++) await fail(orgKey(STRICT), 'redeem', customer, 3);
    const lockedUntil = new Date((await failures(customer))[0] + HOUR).toISOString();
    const read = async (as: Principal, who: Customer) => {
      const { body } = await subgraph.call(
        `query($code: String!) { loyaltyCustomer(code: $code) { code pinLockedUntil } }`,
        { code: who.code },
        as,
      );
      expect(body.errors).toBeUndefined();
      return body.data!.loyaltyCustomer;
    };
    for (const as of [orgKey(STRICT), partner, customerKey(customer.id)]) {
      expect(await read(as, customer)).toEqual({ code: customer.code, pinLockedUntil: lockedUntil });
    }
    expect(await read(orgKey(STRICT), unlocked)).toEqual({ code: unlocked.code, pinLockedUntil: null });
    // Readers without the loyalty scope (a reporting token, a cashier) see the customer, not the lock.
    for (const as of [reader, posUserPrincipal([SCOPES.posRead, SCOPES.posOrders], [1])]) {
      expect(await read(as, customer)).toEqual({ code: customer.code, pinLockedUntil: null });
    }
  });

  it('takes its numbers from the settings: 1 challenge (3 wrong PINs) in 120 s', async () => {
    const small = await startTestSubgraph(loyalty, partner, undefined, {
      LOYALTY_PIN_LOCK_CHALLENGES: '1',
      LOYALTY_PIN_LOCK_WINDOW_SECONDS: '120',
    });
    try {
      const smallRuntime = small.started.runtime as LoyaltyRuntime;
      let smallOffset = 0;
      const customer = await newCustomer(STRICT, small);
      expect(await fail(orgKey(STRICT), 'redeem', customer, 3, small)).toEqual([2, 1, 0]);
      const [first] = await failures(customer, small);
      expect(await refusal(act(orgKey(STRICT), 'redeem', customer, undefined, small))).toMatchObject({
        code: 'PIN_LOCKED',
        lockedUntil: new Date(first + 120_000).toISOString(),
      });
      smallOffset = first + 120_000 - Date.now() + 1;
      smallRuntime.clock.now = () => new Date(Date.now() + smallOffset);
      expect(await refusal(act(orgKey(STRICT), 'redeem', customer, undefined, small))).toMatchObject({
        code: 'PIN_REQUIRED',
      });
    } finally {
      await small.close();
    }
  });
});
