import { domainErrorOf } from '@pos/kit';
import type { LoyaltyRuntime } from '@pos/loyalty/src/context';
import { KEY, type Org } from './loyalty-api';
import { countRows } from './rest';
import { type Stack, startStack } from './stack';

export const TRANSACTION =
  'id kind unit delta balanceAfter externalId amountCents currency coupon { id status } createdAt';
/** What every mutation selects to report a refusal: its user errors, and the facts of a PIN refusal. */
export const REFUSAL = `userErrors { code field message }
  pinVerification { challengeId expiresAt remainingAttempts lockedUntil retryAfterSeconds }`;
export const BALANCE = `${REFUSAL} idempotentReplay points stamps coupon { id name status qrToken issuedAt redeemedAt }
  transaction { ${TRANSACTION} } customer { code }`;
export const EARN = `mutation($input: EarnLoyaltyInput!) { earnLoyalty(input: $input) { ${BALANCE} } }`;
export const REDEEM = `mutation($input: RedeemLoyaltyInput!) { redeemLoyalty(input: $input) { ${BALANCE} } }`;
export const REDEEM_COUPON = `mutation($input: RedeemLoyaltyCouponInput!) {
  redeemLoyaltyCoupon(input: $input) {
    ${REFUSAL} coupon { id name status qrToken issuedAt redeemedAt } transaction { ${TRANSACTION} }
  }
}`;

/** The user errors of a mutation's payload (the first one reporting any), as the error they stand for. */
export function refusalOf(body: { data?: Record<string, any> | null; errors?: unknown }) {
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
export type Caller = { key: string } | { token: string };

/**
 * The GraphQL loyalty suites' stack, the partner's token, the loyalty service's clock, and the calls and reads
 * their tests share. Call inside `describe`: it registers the suite's beforeAll and afterAll.
 */
export function loyaltyGraph() {
  let stack: Stack;
  let partner: string;
  let advanceClock: (ms: number) => void;
  beforeAll(async () => {
    stack = await startStack();
    partner = await stack.token();
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
  const org = (name: Org): Caller => ({ key: KEY[name] });
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

  const customerQuery = `query($code: String!) { loyaltyCustomer(code: $code) {
    code points stamps transactions(first: 100) { nodes { ${TRANSACTION} } } } }`;
  /** A customer with their newest 100 transactions as a plain list. */
  const customer = async (code: string, caller: Caller = { token: partner }) => {
    const found = (await ok(caller, customerQuery, { code })).loyaltyCustomer;
    return { ...found, transactions: found.transactions.nodes };
  };
  const totalRows = () => countRows(stack, 'loyalty.loyalty_transaction');

  return {
    get stack() {
      return stack;
    },
    get partner() {
      return partner;
    },
    advanceClock: (ms: number) => advanceClock(ms),
    gql,
    org,
    customerKey,
    ok,
    refused,
    customer,
    totalRows,
  };
}
