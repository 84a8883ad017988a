import { type Logger, type Principal, SCOPES, freePort, userErrorSpec } from '@pos/kit';
import {
  type GraphQLBody,
  type TestSubgraph,
  partnerPrincipal,
  posUserPrincipal,
  startTestSubgraph,
} from '@pos/testing';
import { checks } from '@pos/checks';
import { orders } from '@pos/orders';
import { payments } from '../src/app';

/** The demo partner's client with every scope it needs here (orders to set up, payments and refunds to test). */
export const demo = partnerPrincipal('demo', [SCOPES.posRead, SCOPES.posOrders, SCOPES.posPayments, SCOPES.posRefunds]);
export const other = partnerPrincipal('other', demo.scopes);

/** A POS user of the demo partner whose roles cover location 1 only. */
export const posUser = (locationIds: number[] = [1]): Principal => posUserPrincipal(demo.scopes, locationIds);

export const PAYMENT = `id status amountCents refundedCents refundableCents currency entryMode processorReference
  authorizationCode failureCode settledAt version createdAt updatedAt order { id }`;
export const REFUND = `id paymentId status amountCents currency reason processorReference failureCode createdAt updatedAt`;

export const USER_ERRORS = 'userErrors { code field message }';
export const CREATE_PAYMENT = `mutation($input: CreatePaymentInput!) {
  createPayment(input: $input) { ${USER_ERRORS} idempotentReplay payment { ${PAYMENT} } }
}`;
export const VOID_PAYMENT = `mutation($input: VoidPaymentInput!) {
  voidPayment(input: $input) { ${USER_ERRORS} idempotentReplay payment { ${PAYMENT} } }
}`;
export const REFUND_PAYMENT = `mutation($input: RefundPaymentInput!) {
  refundPayment(input: $input) { ${USER_ERRORS} idempotentReplay refund { ${REFUND} } payment { ${PAYMENT} } }
}`;
export const CLOSE_BATCH = `mutation($locationId: ID!, $key: String) {
  closeBatch(input: { locationId: $locationId, idempotencyKey: $key }) { ${USER_ERRORS} idempotentReplay settledCount }
}`;
const CREATE_ORDER = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id } } }`;

export interface OrderInput {
  locationId?: string;
  currency?: string;
  totalMinor: number;
  externalReference?: string | null;
  level3?: {
    customerReference?: string | null;
    lineItems: Array<{
      productCode: string;
      description: string;
      quantity: number;
      unitOfMeasure: string;
      unitCostMinor: number;
      taxMinor?: number;
      discountMinor?: number;
    }>;
  } | null;
}

export interface PaymentInput {
  orderId: string;
  amountMinor: number;
  currency?: string;
  entryMode?: 'CARD_PRESENT' | 'CARD_NOT_PRESENT';
  cardToken?: string;
}

/**
 * The refusal of a GraphQL answer as the services throw it (and REST answers it): its first top-level error's code
 * and reason or, on a mutation that follows the contract, the error code and reason its first user error stands for.
 * Tests of the user errors' own shape read `userErrors` themselves.
 */
export const errorOf = (body: GraphQLBody) => {
  const payload = Object.values(body.data ?? {}).find(
    (value): value is { userErrors: { code: string }[] } => value?.userErrors?.length > 0,
  );
  if (!body.errors?.length && payload) {
    const spec = userErrorSpec(payload.userErrors[0].code);
    return { code: spec?.error, reason: spec?.reason };
  }
  const extensions = body.errors?.[0]?.extensions ?? {};
  return { code: extensions.code, reason: extensions.reason };
};

/** Whether the answer is a refusal (a top-level error or a user error): see {@link errorOf}. */
export const refused = (body: GraphQLBody) => errorOf(body).code !== undefined;

/**
 * The details of a refusal: a top-level error's `extensions.details`, or the messages of the user errors after the
 * first (what the REST facade answers as its `details`).
 */
export const detailsOf = (body: GraphQLBody): string[] => {
  if (body.errors?.length) return (body.errors[0].extensions?.details as string[] | undefined) ?? [];
  const payload = Object.values(body.data ?? {}).find((value) => value?.userErrors?.length > 0) as
    { userErrors: { message: string }[] } | undefined;
  return payload ? payload.userErrors.slice(1).map((e) => e.message) : [];
};

/**
 * The orders, checks and payments subgraphs wired together (each on its own database), as the payments subgraph
 * runs in production: it reads the order or check being paid through its owner's `_entities` (and orders reads the
 * payment that completes a hosted checkout through payments').
 */
export interface PaymentsHarness {
  orders: TestSubgraph;
  checks: TestSubgraph;
  payments: TestSubgraph;
  /** Calls the payments subgraph (as `demo` unless told otherwise). */
  call: TestSubgraph['call'];
  /** SQL on the payments database. */
  sql: TestSubgraph['sql'];
  /** Opens an order through the orders subgraph (location 1, USD unless told otherwise); returns its id. */
  createOrder(input: OrderInput, as?: Principal): Promise<string>;
  /** createPayment; returns the whole answer (errors included). */
  pay(input: PaymentInput, key?: string | null, as?: Principal | null): ReturnType<TestSubgraph['call']>;
  /** createPayment that must succeed; returns the payment. */
  payOk(input: PaymentInput, key?: string | null, as?: Principal): Promise<Record<string, any>>;
  void(paymentId: string, key?: string | null, as?: Principal | null): ReturnType<TestSubgraph['call']>;
  refund(
    input: { paymentId: string; amountMinor?: number | null; reason?: string | null; orderId?: string | null },
    key?: string | null,
    as?: Principal | null,
  ): ReturnType<TestSubgraph['call']>;
  /** Counts of payments, refunds and outbox events, to show what a request wrote (or did not). */
  counts(): Promise<{ payments: number; refunds: number; events: number }>;
  /** The outbox event types of a payment, oldest first. */
  eventsOf(paymentId: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function startPayments(
  options: { env?: Record<string, string>; logger?: Logger } = {},
): Promise<PaymentsHarness> {
  // Orders reads the payment that completes a hosted checkout, and payments reads orders: payments' port is chosen
  // first, so that orders, started before it, knows where it will be.
  const paymentsPort = await freePort();
  const paymentsUrl = `http://127.0.0.1:${paymentsPort}/graphql`;
  const ordersSubgraph = await startTestSubgraph(orders, demo, undefined, { PAYMENTS_URL: paymentsUrl });
  let checksSubgraph: TestSubgraph | undefined;
  let paymentsSubgraph: TestSubgraph;
  try {
    checksSubgraph = await startTestSubgraph(checks, demo, undefined, { ORDERS_URL: ordersSubgraph.started.url });
    paymentsSubgraph = await startTestSubgraph(payments, demo, options.logger, {
      PORT: String(paymentsPort),
      ORDERS_URL: ordersSubgraph.started.url,
      CHECKS_URL: checksSubgraph.started.url,
      ...options.env,
    });
  } catch (error) {
    await checksSubgraph?.close();
    await ordersSubgraph.close();
    throw error;
  }
  const checksOf = checksSubgraph;
  const call: TestSubgraph['call'] = (...args) => paymentsSubgraph.call(...args);
  const sql: TestSubgraph['sql'] = (...args) => paymentsSubgraph.sql(...args);
  const pay: PaymentsHarness['pay'] = (input, key = null, as = demo) =>
    call(
      CREATE_PAYMENT,
      { input: { currency: 'USD', entryMode: 'CARD_PRESENT', cardToken: 'tok_visa', ...input, idempotencyKey: key } },
      as,
    );
  return {
    orders: ordersSubgraph,
    checks: checksOf,
    payments: paymentsSubgraph,
    call,
    sql,
    async createOrder(input, as = demo) {
      const { body } = await ordersSubgraph.call(
        CREATE_ORDER,
        { input: { locationId: '1', currency: 'USD', ...input } },
        as,
      );
      if (body.errors) throw new Error(`createOrder failed: ${JSON.stringify(body.errors)}`);
      return body.data!.createOrder.order.id;
    },
    pay,
    async payOk(input, key, as) {
      const { body } = await pay(input, key, as);
      expect(body.errors).toBeUndefined();
      return body.data!.createPayment.payment;
    },
    void: (paymentId, key = null, as = demo) => call(VOID_PAYMENT, { input: { paymentId, idempotencyKey: key } }, as),
    refund: (input, key = null, as = demo) => call(REFUND_PAYMENT, { input: { ...input, idempotencyKey: key } }, as),
    async counts() {
      const [row] = await sql<{ payments: number; refunds: number; events: number }>(
        `select (select count(*)::int from payments.payment) as payments,
                (select count(*)::int from payments.refund) as refunds,
                (select count(*)::int from payments.payment_event) as events`,
      );
      return row;
    },
    async eventsOf(paymentId) {
      const rows = await sql<{ type: string }>(
        'select type from payments.payment_event where payment_id = ? order by seq',
        [paymentId],
      );
      return rows.map((row) => row.type);
    },
    async close() {
      await paymentsSubgraph.close();
      await checksOf.close();
      await ordersSubgraph.close();
    },
  };
}
