import type { LoyaltyRuntime } from '@pos/loyalty/src/context';
import { restClient } from '../support/rest';
import { type Stack, startStack } from '../support/stack';

/**
 * The customer's PIN lock through the gateway: over REST, 9 wrong PINs over 3 challenges lock the customer (429
 * pin_attempts_exceeded with locked_until, retry_after and Retry-After) until an hour after the first of them; over
 * GraphQL, one document of many aliased redeemLoyalty guesses gets no more than 9 wrong PINs counted either.
 */

const STRICT_KEY = 'demo-loyalty-strict';
const HOUR = 3_600_000;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const wrongPin = (pin: string) => String((Number(pin) + 1) % 10_000).padStart(4, '0');
let seq = 0;

describe('loyalty PIN lock through the gateway', () => {
  let stack: Stack;
  let partner: string;
  let clock: LoyaltyRuntime['clock'];
  let offset = 0;
  /** Moves the loyalty service's clock forward, for good (challenges are ordered by it). */
  const advanceClock = (ms: number) => {
    offset += ms;
    clock.now = () => new Date(Date.now() + offset);
  };
  beforeAll(async () => {
    stack = await startStack();
    partner = await stack.token();
    clock = (stack.subgraphs.loyalty.runtime as LoyaltyRuntime).clock;
  });
  afterAll(() => stack?.close());

  const call = restClient(
    () => stack,
    () => partner,
  );
  const redeem = (customer: string, pin?: string) =>
    call('POST', '/webhook/redeem', {
      token: null,
      headers: { 'x-api-key': STRICT_KEY },
      body: {
        customer_code: Number(customer),
        value: 1,
        card_type: 'point',
        external_id: `lock-${++seq}`,
        ...(pin === undefined ? {} : { verification_pin: pin }),
      },
    });
  const dashboard = async (customer: string) => {
    const { body } = await stack.graphql(
      `{ loyaltyDashboard { pinLockedUntil pendingPins { challengeId pin } } }`,
      {},
      null,
      { 'x-api-key': `demo-customer-${customer}` },
    );
    expect(body.errors).toBeUndefined();
    return body.data!.loyaltyDashboard as { pinLockedUntil: string | null; pendingPins: any[] };
  };
  const pinOf = async (customer: string, challengeId: string): Promise<string> => {
    const { body } = await stack.graphql(`{ loyaltyDashboard { pendingPins { challengeId pin } } }`, {}, null, {
      'x-api-key': `demo-customer-${customer}`,
    });
    return body.data!.loyaltyDashboard.pendingPins.find((p: any) => p.challengeId === challengeId).pin;
  };
  const failures = async (customer: string) =>
    (
      await stack.subgraphs.loyalty.orm.em
        .fork()
        .getConnection()
        .execute<Array<{ failed_at: Date }>>(
          `select failed_at from loyalty.loyalty_pin_failure
           where customer_id = (select id from loyalty.loyalty_customer where code = ?) order by failed_at`,
          [customer],
        )
    ).map((row) => new Date(row.failed_at).getTime());

  it('REST: 9 wrong PINs over 3 challenges, then the 10th call is 429 with locked_until, retry_after and Retry-After', async () => {
    const customer = '682193';
    for (let c = 0; c < 3; c++) {
      const asked = await redeem(customer);
      expect(asked.status).toBe(412);
      const pin = await pinOf(customer, asked.body.challenge_id);
      for (const remaining of [2, 1, 0]) {
        const wrong = await redeem(customer, wrongPin(pin));
        expect(wrong.status).toBe(422);
        expect(wrong.body).toMatchObject({ error: 'pin_invalid', remaining_attempts: remaining });
      }
    }
    const [first] = await failures(customer);
    const lockedUntil = new Date(first + HOUR).toISOString();

    // The 10th call, a new challenge or a PIN: refused, and the dashboard says until when.
    for (const pin of [undefined, '1234']) {
      const locked = await redeem(customer, pin);
      expect(locked.status).toBe(429);
      expect(locked.body).toEqual({
        error: 'pin_attempts_exceeded',
        message: expect.stringMatching(/Too many incorrect PINs/),
        locked_until: lockedUntil,
        retry_after: expect.any(Number),
      });
      expect(locked.body.locked_until).toMatch(ISO);
      const wait = (Date.parse(lockedUntil) - clock.now().getTime()) / 1000;
      expect(locked.body.retry_after).toBeGreaterThanOrEqual(Math.floor(wait) - 1);
      expect(locked.body.retry_after).toBeLessThanOrEqual(Math.ceil(wait) + 1);
      expect(locked.headers.get('retry-after')).toBe(String(locked.body.retry_after));
    }
    expect(await dashboard(customer)).toEqual({ pinLockedUntil: lockedUntil, pendingPins: [] });
    expect(await failures(customer)).toHaveLength(9);

    // After the hour since the first wrong PIN, the customer is challenged again and the right PIN works.
    advanceClock(first + HOUR - clock.now().getTime() + 1);
    const fresh = await redeem(customer);
    expect(fresh.status).toBe(412);
    expect((await dashboard(customer)).pinLockedUntil).toBeNull();
    const done = await redeem(customer, await pinOf(customer, fresh.body.challenge_id));
    expect(done.status).toBe(200);
  });

  it('GraphQL: one document of 40 aliased redeemLoyalty guesses counts 9 wrong PINs, then PIN_LOCKED user errors', async () => {
    const customer = '682195';
    // Rounds of a call without PIN (a fresh challenge) and 3 guesses; a refused mutation of another subgraph
    // between the fields makes the gateway run each in its own fetch, one after the other (its user errors leave
    // the rest of the data intact).
    const fields: string[] = [];
    const attempts: string[] = [];
    for (let round = 0; round < 10; round++) {
      for (let j = 0; j < 4; j++) {
        const alias = `r${round}_${j}`;
        const pin = j === 0 ? '' : `, verificationPin: "${String(round * 3 + j).padStart(4, '0')}"`;
        fields.push(
          `${alias}: redeemLoyalty(input: { customerCode: "${customer}", cardType: POINT, value: 1, ` +
            `externalId: "alias-${round}-${j}"${pin} }) { points userErrors { code } ` +
            `pinVerification { lockedUntil retryAfterSeconds } }`,
          `x${round}_${j}: createOrder(input: { locationId: "0", currency: "USD", totalMinor: 1 }) { userErrors { code } }`,
        );
        if (j > 0) attempts.push(alias);
      }
    }
    const { status, body } = await stack.graphql(`mutation { ${fields.join('\n')} }`, {}, partner);
    expect(status).toBe(200);
    type Payload = {
      userErrors: Array<{ code: string }>;
      pinVerification: { lockedUntil: string | null; retryAfterSeconds: number | null } | null;
    } | null;
    const data = (body.data ?? {}) as Record<string, Payload>;
    const reasonOf = (alias: string) => data[alias]?.userErrors[0]?.code ?? 'succeeded';
    const reasons = attempts.map(reasonOf);
    // Every guess ran (none was left out), 9 of them counted; after the 9th, each is refused as locked.
    const ninth = reasons.reduce((at, reason, i) => (reason === 'PIN_INVALID' ? i : at), -1);
    expect(reasons.filter((r) => r === 'PIN_INVALID')).toHaveLength(9);
    expect(reasons.slice(ninth + 1)).toEqual(Array(attempts.length - ninth - 1).fill('PIN_LOCKED'));
    expect(ninth).toBeLessThan(attempts.length - 10);
    expect(await failures(customer)).toHaveLength(9);
    expect(data[attempts.at(-1)!]?.pinVerification).toEqual({
      lockedUntil: expect.stringMatching(ISO),
      retryAfterSeconds: expect.any(Number),
    });
    // The fresh challenges of the later rounds were refused as well.
    const rounds = Array.from({ length: 10 }, (_, round) => reasonOf(`r${round}_0`));
    expect(rounds.slice(4)).toEqual(Array(6).fill('PIN_LOCKED'));
  });
});
