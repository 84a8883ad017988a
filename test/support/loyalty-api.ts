import { randomUUID } from 'node:crypto';
import type { LoyaltyRuntime } from '@pos/loyalty/src/context';
import { DEMO } from '@pos/kit';
import { countRows, restClient } from './rest';
import { type Stack, startStack } from './stack';

export const KEY = {
  standard: 'demo-loyalty-standard',
  balanced: 'demo-loyalty-balanced',
  strict: 'demo-loyalty-strict',
  lapsed: 'demo-loyalty-lapsed',
} as const;
export type Org = keyof typeof KEY;
export type Preset = Exclude<Org, 'lapsed'>;
/** The demo customers' codes: <prefix>93 has 500 points, <prefix>94 4 stamps, <prefix>95 nothing. */
export const PREFIX: Record<Org, string> = { standard: '4821', balanced: '5821', strict: '6821', lapsed: '7821' };
export const code = (org: Org, n: 93 | 94 | 95) => `${PREFIX[org]}${n}`;
export const ORG_ID = Object.fromEntries(
  DEMO.loyaltyOrgs.map((o) => [o.apiKey.replace('demo-loyalty-', ''), o.id as string]),
) as Record<Org, string>;

export const PATH = { earn: '/webhook/pos', redeem: '/webhook/redeem', coupon: '/webhook/coupons/redeem' } as const;
export type Action = keyof typeof PATH;

export const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const UNAUTHORIZED = {
  error: 'unauthorized',
  message: 'Unauthorized',
  details: ['A valid X-Api-Key header is required'],
};

let seq = 0;
export const ext = (label: string) => `${label}-${++seq}-${randomUUID().slice(0, 8)}`;
/** A 4-digit PIN that is not `pin`. */
export const wrongPin = (pin: string) => String((Number(pin) + 1) % 10_000).padStart(4, '0');

/**
 * The loyalty POS API suites' stack (no auth cache, so that a key disabled in the database is refused at once), the
 * partner's token, the loyalty service's clock, and the calls and reads their tests share. Call inside `describe`:
 * it registers the suite's beforeAll and afterAll.
 */
export function loyaltyApi() {
  let stack: Stack;
  let partner: string;
  let clock: LoyaltyRuntime['clock'];
  /**
   * Moves the loyalty service's clock forward, for good: PIN challenges and ledger rows are ordered by that clock,
   * so it never goes back within the suite (as a real clock would not).
   */
  let advanceClock: (ms: number) => void;
  beforeAll(async () => {
    // No auth cache, so that a key disabled in the database is refused at once.
    stack = await startStack({ gatewayEnv: { AUTH_CACHE_TTL_SECONDS: '0' } });
    partner = await stack.token();
    clock = (stack.subgraphs.loyalty.runtime as LoyaltyRuntime).clock;
    let offset = 0;
    advanceClock = (ms) => {
      offset += ms;
      clock.now = () => new Date(Date.now() + offset);
    };
  });
  afterAll(() => stack?.close());

  const call = restClient(
    () => stack,
    () => partner,
  );
  /** A POST as the POS sends it: JSON, authenticated with X-Api-Key only (key null: no key at all). */
  const post = (path: string, key: string | null, body?: unknown, options: { raw?: string; token?: string } = {}) =>
    call('POST', path, {
      token: options.token ?? null,
      headers: key === null ? {} : { 'x-api-key': key },
      ...(options.raw !== undefined ? { raw: options.raw } : { body: body ?? {} }),
    });
  const earn = (org: Org, body: Record<string, unknown>) => post(PATH.earn, KEY[org], body);
  const redeem = (org: Org, body: Record<string, unknown>) => post(PATH.redeem, KEY[org], body);
  const redeemCoupon = (org: Org, body: Record<string, unknown>) => post(PATH.coupon, KEY[org], body);

  /** A customer's balances, read through the graph with the partner's token. */
  const balance = async (customer: string): Promise<{ points: number; stamps: number }> => {
    const { body } = await stack.graphql(
      `query($code: String!) { loyaltyCustomer(code: $code) { points stamps } }`,
      { code: customer },
      partner,
    );
    expect(body.errors).toBeUndefined();
    return body.data!.loyaltyCustomer;
  };
  const ofCustomer = 'customer_id = (select id from loyalty.loyalty_customer where code = ?)';
  const ledgerRows = (customer: string) => countRows(stack, 'loyalty.loyalty_transaction', ofCustomer, [customer]);
  const challenges = (customer: string) => countRows(stack, 'loyalty.loyalty_pin_challenge', ofCustomer, [customer]);
  const sql = <T = any>(query: string, params: unknown[] = []) =>
    stack.subgraphs.loyalty.orm.em.fork().getConnection().execute<T[]>(query, params);
  /** Everything a refused call must leave as it was: balances, ledger rows and PIN challenges of these customers. */
  const snapshot = async (...customers: string[]) =>
    Promise.all(
      customers.map(async (c) => ({ c, ...(await balance(c)), rows: await ledgerRows(c), pins: await challenges(c) })),
    );

  /** The customer's dashboard (their own X-Api-Key), as the customer reads the PIN off it. */
  const dashboard = async (customer: string) => {
    const { body } = await stack.graphql(
      `{ loyaltyDashboard {
          pendingPins { challengeId action pin expiresAt orgName }
          customer { code points stamps coupons { nodes { id qrToken } } }
        } }`,
      {},
      null,
      { 'x-api-key': `demo-customer-${customer}` },
    );
    expect(body.errors).toBeUndefined();
    return body.data!.loyaltyDashboard;
  };
  /** The open redeem challenges on the customer's dashboard (other actions may have theirs open). */
  const pendingRedeems = async (customer: string) =>
    (await dashboard(customer)).pendingPins.filter((p: any) => p.action === 'REDEEM');
  /** The PIN of an open challenge, as the customer's dashboard shows it. */
  const pinOf = async (customer: string, challengeId: string): Promise<string> => {
    const pending = (await dashboard(customer)).pendingPins.find((p: any) => p.challengeId === challengeId);
    if (!pending) throw new Error(`challenge ${challengeId} is not on ${customer}'s dashboard`);
    return pending.pin;
  };
  /** Sends the call; when it answers 412 pin_required, reads the PIN off `customer`'s dashboard and retries. */
  const withPin = async (path: string, key: string, body: Record<string, unknown>, customer: string) => {
    const first = await post(path, key, body);
    if (first.status !== 412) return first;
    return post(path, key, { ...body, verification_pin: await pinOf(customer, first.body.challenge_id) });
  };
  /** A reward coupon of the customer: five stamps always fill a card (5 per card, at most 5 per earn). */
  const issueCoupon = async (org: Org, customer: string) => {
    const earned = await withPin(
      PATH.earn,
      KEY[org],
      { customer_code: customer, amount: 5, card_type: 'stamp', external_id: ext('coupon') },
      customer,
    );
    expect(earned.status).toBe(200);
    expect(earned.body.data.coupon).toEqual({
      id: expect.stringMatching(UUID),
      name: 'Free Coffee',
      qr_token: expect.any(String),
    });
    return earned.body.data.coupon as { id: string; name: string; qr_token: string };
  };
  /** Brings a standard-org customer's points to `target` through the API (earn or redeem the difference). */
  const setPoints = async (customer: string, target: number) => {
    const { points } = await balance(customer);
    if (points === target) return;
    const answer =
      points < target
        ? await earn('standard', { customer_code: customer, amount: target - points, external_id: ext('set') })
        : await redeem('standard', {
            customer_code: customer,
            value: points - target,
            card_type: 'point',
            external_id: ext('set'),
          });
    expect(answer.status).toBe(200);
    expect(answer.body.data.points).toBe(target);
  };
  /** The ledger is the balance: per unit, the deltas sum to the customer's balance, and no row went below 0. */
  const expectLedgerConsistent = async (customer: string) => {
    const rows = await sql<{ unit: string; total: number; lowest: number }>(
      `select unit, sum(delta)::int as total, min(balance_after)::int as lowest from loyalty.loyalty_transaction
       where ${ofCustomer} and unit <> 'COUPON' group by unit`,
      [customer],
    );
    const { points, stamps } = await balance(customer);
    const byUnit = Object.fromEntries(rows.map((r) => [r.unit, r]));
    expect(byUnit.POINT?.total ?? 0).toBe(points);
    expect(byUnit.STAMP?.total ?? 0).toBe(stamps);
    for (const row of rows) expect(row.lowest).toBeGreaterThanOrEqual(0);
  };

  return {
    get stack() {
      return stack;
    },
    get partner() {
      return partner;
    },
    get clock() {
      return clock;
    },
    advanceClock: (ms: number) => advanceClock(ms),
    call,
    post,
    earn,
    redeem,
    redeemCoupon,
    balance,
    ofCustomer,
    ledgerRows,
    challenges,
    sql,
    snapshot,
    dashboard,
    pendingRedeems,
    pinOf,
    withPin,
    issueCoupon,
    setPoints,
    expectLedgerConsistent,
  };
}
