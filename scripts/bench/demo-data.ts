/**
 * The data the parts make and pay with: the demo partner (whose token the bench holds), the mutations that make
 * orders, payments and checks for a run, the pay body of the check routes and the standard loyalty org.
 */
import { DEMO, type Principal, demoLoyaltyCodes } from '@pos/kit';
import type { Pool } from 'undici';
import { postGraphql } from './http';

/** The demo partner as our gateway sees its M2M token: every location of tenant demo, the token's scopes. */
export const demoPartner = (scopes: string[]): Principal => ({
  tenantId: 'demo',
  subject: 'demo-partner',
  kind: 'm2m',
  clientId: 'demo-partner',
  scopes,
  locationIds: null,
});

/** An order, and a payment of an order, as the parts make their data (only the new id read back). */
export const SEED_ORDER = 'mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id } } }';
export const SEED_PAYMENT = 'mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id } } }';

export const OPEN_CHECK =
  'mutation BenchOpenCheck($input: OpenCheckInput!) { openCheck(input: $input) { userErrors { code message } check { id } } }';
export const ADD_CHECK_ITEM =
  'mutation BenchAddCheckItem($input: AddCheckItemInput!) { addCheckItem(input: $input) { userErrors { code message } check { total { amountMinor } } } }';

/** The check of a check mutation's payload; a refusal (its user errors) fails the bench's setup. */
function payloadCheck<T>(data: Record<string, unknown>, field: string): T {
  const payload = data[field] as { userErrors: unknown[]; check: T | null };
  if (payload.userErrors.length || !payload.check) {
    throw new Error(`${field} refused: ${JSON.stringify(payload.userErrors)}`);
  }
  return payload.check;
}

/**
 * Opens a check through the gateway's GraphQL (owned by employee EMP-BENCH, for `orderId` when given) and, with a
 * `priceMinor`, adds one item at that price, which the check must then total. Gives the check's id.
 */
export async function openBenchCheck(
  pool: Pool,
  token: string,
  check: { locationId: string; posRef: string; orderNumber: string; orderId?: string },
  priceMinor?: number,
): Promise<string> {
  const { orderId, ...opening } = check;
  const opened = await postGraphql(pool, token, OPEN_CHECK, {
    input: {
      ...opening,
      ownedByEmployeeRef: 'EMP-BENCH',
      ownedByEmployee: 'Bench',
      ...(orderId === undefined ? {} : { orderId }),
    },
  });
  const checkId = payloadCheck<{ id: string }>(opened, 'openCheck').id;
  if (priceMinor === undefined) return checkId;
  const added = await postGraphql(pool, token, ADD_CHECK_ITEM, {
    input: { checkId, item: { posRef: 'ITEM-BENCH', name: 'Bench tab', quantity: 1, priceMinor } },
  });
  if (payloadCheck<{ total: { amountMinor: number } }>(added, 'addCheckItem').total.amountMinor !== priceMinor) {
    throw new Error(`check ${check.posRef} does not total ${priceMinor}: ${JSON.stringify(added)}`);
  }
  return checkId;
}

/** What every pay request of the check routes registers: 1.00 on the card below. */
export const PAY_AMOUNT = 100;
/** The pay route's body for PAY_AMOUNT, with a processor invoice of its own. */
export const payBody = (invoice: string) => ({
  amount: PAY_AMOUNT,
  card: { type: 'VS', last4Digits: '4242', expirationDate: '1240', token: 'tok_visa' },
  transaction: { authorizationCode: 'A1', invoice },
});

/** The loyalty org the parts earn at: the standard preset, which never asks for a PIN. */
export const LOYALTY_ORG = DEMO.loyaltyOrgs.find((org) => org.preset === 'standard')!;
/** Its demo customers (482193, 482194, 482195). */
export const LOYALTY_CUSTOMERS = demoLoyaltyCodes(LOYALTY_ORG);
