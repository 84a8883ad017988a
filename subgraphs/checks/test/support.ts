import { randomUUID } from 'node:crypto';
import { type Principal, SCOPES } from '@pos/kit';
import {
  type GraphQLBody,
  type TestSubgraph,
  partnerPrincipal,
  posUserPrincipal,
  startTestSubgraph,
} from '@pos/testing';
import { orders } from '@pos/orders';
import { checks } from '../src/app';

/** The demo partner's client with the scopes to read checks and to change them. */
export const demo = partnerPrincipal('demo', [SCOPES.posRead, SCOPES.posOrders, SCOPES.mobilePayments]);
export const other = partnerPrincipal('other', demo.scopes);

/** A POS user of the demo partner whose roles cover location 1 only. */
export const posUser = (locationIds: number[] = [1]): Principal => posUserPrincipal(demo.scopes, locationIds);

/** The item the mutations tests add unless a test needs another: one cheeseburger at 14.50. */
export const ITEM = { posRef: 'ITEM-BURGER', name: 'Cheeseburger', quantity: 1, priceMinor: 1450 };

export const MONEY = '{ amountMinor currency }';
const M = MONEY;
export const CHECK = `id posRef orderNumber tableName guestCount status openedAt closedAt ownedByEmployeeRef
  ownedByEmployee currency subtotal ${M} taxes ${M} otherTaxes ${M} taxList { name amount ${M} }
  hiddenTaxList { name amount ${M} } supplementalFee { name amount ${M} } gratuity ${M} total ${M} cashTotal ${M}
  dualPricingRateBps isLocked version updatedAt location { id } order { id }
  items { id posRef name quantity modifiersAsText price ${M} }`;

/**
 * A check of the graph with each Money value as its minor units, so the tests compare figures; fails on an amount
 * in another currency than the check's, which no check may have.
 */
export function inMinorUnits(check: any, currency: string = check?.currency ?? 'USD'): any {
  const flatten = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(flatten);
    if (value === null || typeof value !== 'object') return value;
    if ('amountMinor' in value) {
      const amount = value as { amountMinor: number; currency: string };
      if (amount.currency !== currency) throw new Error(`${amount.currency} amount on a ${currency} check`);
      return amount.amountMinor;
    }
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, flatten(entry)]));
  };
  return flatten(check);
}

/** The first error of a GraphQL answer as clients branch on it. */
export const errorOf = (body: GraphQLBody) => {
  const extensions = body.errors?.[0]?.extensions ?? {};
  return { code: extensions.code, reason: extensions.reason, details: extensions.details as string[] | undefined };
};

/**
 * A refused mutation's user errors as clients read them: their codes, and each as `path: message` (the path within
 * the input, for a value at fault) or its message alone.
 */
export const refusalOf = (result: MutationResult) => ({
  codes: [...new Set(result.userErrors?.map((e) => e.code))],
  details: result.userErrors?.map((e) => (e.field ? `${e.field.slice(1).join('.')}: ${e.message}` : e.message)),
});

/**
 * The orders subgraph and the checks subgraph wired to it (each on its own database), as in production: the
 * checks subgraph reads the location (and order) of a new check through the orders subgraph's `_entities`.
 */
export interface ChecksHarness {
  orders: TestSubgraph;
  checks: TestSubgraph;
  /** Calls the checks subgraph (as `demo` unless told otherwise). */
  call: TestSubgraph['call'];
  /** SQL on the checks database. */
  sql: TestSubgraph['sql'];
  /**
   * One of the checks mutations by name, with its input; returns the whole answer, the check of its payload and
   * its user errors (null when the payload itself is null: a top-level error).
   */
  mutate(name: string, input: Record<string, unknown>, as?: Principal | null): Promise<MutationResult>;
  /** openCheck at location 1 with a fresh posRef unless told otherwise; fails the test on an error. */
  openCheck(input?: Record<string, unknown>, as?: Principal): Promise<Record<string, any>>;
  /** Opens an order through the orders subgraph; returns its id. */
  createOrder(locationId: string): Promise<string>;
  close(): Promise<void>;
}

export interface MutationResult {
  body: GraphQLBody;
  check: Record<string, any> | null;
  userErrors: UserErrorOf[] | null;
  /** addCheckItem's replay flag; undefined for the other mutations. */
  idempotentReplay?: boolean;
}

export interface UserErrorOf {
  code: string;
  field: string[] | null;
  message: string;
}

export async function startChecks(): Promise<ChecksHarness> {
  const ordersSubgraph = await startTestSubgraph(orders, demo);
  let checksSubgraph: TestSubgraph;
  try {
    checksSubgraph = await startTestSubgraph(checks, demo, undefined, { ORDERS_URL: ordersSubgraph.started.url });
  } catch (error) {
    await ordersSubgraph.close();
    throw error;
  }
  const call: TestSubgraph['call'] = (...args) => checksSubgraph.call(...args);
  const mutate: ChecksHarness['mutate'] = async (name, input, as = demo) => {
    const inputType = `${name[0].toUpperCase()}${name.slice(1)}Input!`;
    const replay = name === 'addCheckItem' ? 'idempotentReplay' : '';
    const query = `mutation($input: ${inputType}) { result: ${name}(input: $input) {
      userErrors { code field message } check { ${CHECK} } ${replay} } }`;
    const { body } = await call(query, { input }, as);
    const payload = body.data?.result ?? null;
    const check = payload?.check ?? null;
    return {
      body,
      check: check && inMinorUnits(check),
      userErrors: payload?.userErrors ?? null,
      ...(payload && replay ? { idempotentReplay: payload.idempotentReplay } : {}),
    };
  };
  let counter = 0;
  return {
    orders: ordersSubgraph,
    checks: checksSubgraph,
    call,
    sql: (...args) => checksSubgraph.sql(...args),
    mutate,
    async openCheck(input = {}, as = demo) {
      const posRef = `T-${++counter}-${randomUUID().slice(0, 8)}`;
      const { body, check, userErrors } = await mutate(
        'openCheck',
        {
          locationId: '1',
          posRef,
          orderNumber: `N${counter}`,
          ownedByEmployeeRef: 'EMP-1',
          ownedByEmployee: 'Alex Doe',
          ...input,
        },
        as,
      );
      if (body.errors || userErrors?.length) {
        throw new Error(`openCheck failed: ${JSON.stringify(body.errors ?? userErrors)}`);
      }
      return check!;
    },
    async createOrder(locationId) {
      const { body } = await ordersSubgraph.call(
        `mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id } } }`,
        { input: { locationId, currency: 'USD', totalMinor: 1000 } },
      );
      if (body.errors) throw new Error(`createOrder failed: ${JSON.stringify(body.errors)}`);
      return body.data!.createOrder.order.id;
    },
    async close() {
      await checksSubgraph.close();
      await ordersSubgraph.close();
    },
  };
}
