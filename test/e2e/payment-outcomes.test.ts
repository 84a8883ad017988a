import { randomUUID } from 'node:crypto';
import { PAYMENT_EVENT_TYPES, createLogger, paymentEventTypeName, paymentEventTypeOf } from '@pos/kit';
import type { PaymentsRuntime } from '@pos/payments/src/context';
import { type Client } from 'graphql-ws';
import { Receiver, signedBy } from '../support/receiver';
import { countRows, restClient } from '../support/rest';
import { type Stack, startStack } from '../support/stack';
import { gatewayWsClient } from '../support/ws';
import { until } from '@pos/testing';

/**
 * Every payment event type of the partner changelog, produced through the gateway from the one state machine:
 * approvals, refunds, voids and cancellations by the POS mutations, expiry and reversal outcomes by the sandbox's
 * processor control. A `paymentEvents` subscriber opened once at the start must see exactly one event per state
 * change, and the outbox must hold exactly those rows.
 */

interface Seen {
  type: string;
  sequence: string;
  paymentVersion: number;
  payload: { paymentId: string; status: string; orderId: string | null; refundedCents: number };
}

/** A GraphQL answer as these tests read it. */
interface Answer {
  data?: any;
  errors?: Array<{ message: string; extensions?: Record<string, any> }>;
}

const WATCH = `subscription { paymentEvents { type sequence paymentVersion payload { paymentId status orderId refundedCents } } }`;
const PAYMENT = 'id status version refundedCents failureCode reversalRequestedAt';
const USER_ERRORS = 'userErrors { code field message }';
const REVERSE = `mutation($input: ReversePaymentInput!) {
  reversePayment(input: $input) { ${USER_ERRORS} idempotentReplay payment { ${PAYMENT} } }
}`;
const OUTCOME = `mutation($input: SandboxProcessorOutcomeInput!) {
  sandboxProcessorOutcome(input: $input) { ${USER_ERRORS} eventType payment { ${PAYMENT} } }
}`;
const VOID = `mutation($input: VoidPaymentInput!) { voidPayment(input: $input) { ${USER_ERRORS} payment { ${PAYMENT} } } }`;
const REFUND = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { ${USER_ERRORS} payment { ${PAYMENT} } } }`;

describe('payment outcomes: every event type, once per state change', () => {
  let stack: Stack;
  let demoToken: string;
  let client: Client;
  const seen: Seen[] = [];
  const subscriptionErrors: unknown[] = [];
  // A partner's webhook endpoint that receives every type: each event must reach it as it reaches the subscriber.
  const receiver = new Receiver();
  let webhookSecret: string;

  beforeAll(async () => {
    // The cancelled payment's processor outage is logged as a warning; expected here, so kept out of the output.
    stack = await startStack({ loggers: { payments: createLogger('payments', 'error') } });
    demoToken = await stack.token();
    const registered = await stack.graphql(
      `mutation($url: String!) { createWebhookEndpoint(input: { url: $url }) { secret } }`,
      { url: await receiver.listen() },
      demoToken,
    );
    webhookSecret = registered.body.data!.createWebhookEndpoint.secret;
    client = gatewayWsClient(stack.gatewayUrl, demoToken);
    // One subscriber for the whole file: it must end up with exactly the outbox, event for event.
    client.subscribe(
      { query: WATCH },
      {
        next: (value) => seen.push((value.data as { paymentEvents: Seen }).paymentEvents),
        error: (error) => subscriptionErrors.push(error),
        complete: () => undefined,
      },
    );
    await until(
      () => (stack.subgraphs.payments.runtime as PaymentsRuntime).events.subscriberCount >= 1,
      'the payments subgraph subscription',
    );
  });
  afterAll(async () => {
    await client?.dispose();
    await receiver.close();
    await stack?.close();
  });

  const rest = restClient(
    () => stack,
    () => demoToken,
  );
  const gql = async (query: string, variables: Record<string, unknown> = {}, token = demoToken) =>
    (await stack.graphql(query, variables, token)).body as Answer;
  const errorOf = (body: Answer) => ({
    code: body.errors?.[0]?.extensions?.code,
    reason: body.errors?.[0]?.extensions?.reason,
  });
  const outboxRows = () => countRows(stack, 'payments.payment_event');
  const outboxOf = async (paymentId: string) =>
    stack.subgraphs.payments.orm.em
      .fork()
      .getConnection()
      .execute<Array<{ type: string; payment_version: number }>>(
        'select type, payment_version from payments.payment_event where payment_id = ? order by seq',
        [paymentId],
      );

  async function openOrder(totalMinor: number, locationId = '1', token = demoToken): Promise<string> {
    const body = await gql(
      `mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id } } }`,
      { input: { locationId, currency: 'USD', totalMinor } },
      token,
    );
    expect(body.errors).toBeUndefined();
    return body.data!.createOrder.order.id;
  }

  /** An approved card payment of `amountCents` on a new order; returns both ids. */
  async function approved(amountCents: number, locationId = '1', token = demoToken) {
    const orderId = await openOrder(amountCents, locationId, token);
    const body = await gql(
      `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status version } } }`,
      { input: { orderId, amountMinor: amountCents, currency: 'USD', cardToken: 'tok_visa' } },
      token,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.createPayment.payment).toMatchObject({ status: 'APPROVED', version: 2 });
    return { orderId, paymentId: body.data!.createPayment.payment.id as string };
  }

  const outcome = (paymentId: string, what: string, reason?: string, token = demoToken) =>
    gql(OUTCOME, { input: { paymentId, outcome: what, ...(reason ? { reason } : {}) } }, token);
  const reverse = (paymentId: string, extra: { orderId?: string; key?: string } = {}, token = demoToken) =>
    gql(REVERSE, { input: { paymentId, orderId: extra.orderId, idempotencyKey: extra.key } }, token);
  /** The code of the user error a converted mutation refused with (the first of its payload). */
  const userErrorOf = (body: Answer): string | undefined =>
    Object.values(body.data ?? {})
      .map((payload: any) => payload?.userErrors?.[0]?.code)
      .find(Boolean);

  /** What the subscriber saw of a payment, once it has seen `count` events of it. */
  async function seenOf(paymentId: string, count: number) {
    const of = () => seen.filter((e) => e.payload.paymentId === paymentId);
    await until(() => of().length >= count, `${count} events of ${paymentId}`);
    return of().map((e) => [e.type, e.paymentVersion, e.payload.status]);
  }

  it('produces each of the seven event types through the gateway, one per state change', async () => {
    // approved, then refunded (partly): a refund is a status change (PARTIALLY_REFUNDED) with its own version.
    const refunded = await approved(2000);
    const partly = await gql(REFUND, { input: { paymentId: refunded.paymentId, amountMinor: 500 } });
    expect(partly.data.refundPayment.payment).toMatchObject({ status: 'PARTIALLY_REFUNDED', version: 3 });

    const voided = await approved(1500);
    expect((await gql(VOID, { input: { paymentId: voided.paymentId } })).data.voidPayment.payment).toMatchObject({
      status: 'VOIDED',
      version: 3,
    });

    // cancelled: the sandbox's unavailable processor; the answer is a 503 without the payment, the event names it.
    const cancelledOrder = await openOrder(700);
    const unavailable = await gql(
      `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id } } }`,
      { input: { orderId: cancelledOrder, amountMinor: 700, currency: 'USD', cardToken: 'tok_processor_unavailable' } },
    );
    expect(errorOf(unavailable)).toEqual({ code: 'UNAVAILABLE', reason: 'processor_unavailable' });

    // expired: PENDING → EXPIRED needs a payment held pending, which a sandbox sale never leaves (it answers at
    // once, in the same request); the processor-side expiry of an approved, unsettled authorisation is reachable.
    const expired = await approved(900);
    const expiry = await outcome(expired.paymentId, 'AUTHORIZATION_EXPIRED');
    expect(expiry.errors).toBeUndefined();
    expect(expiry.data.sandboxProcessorOutcome).toEqual({
      userErrors: [],
      eventType: 'PAYMENT_EXPIRED',
      payment: expect.objectContaining({ status: 'EXPIRED', version: 3, failureCode: 'authorization_expired' }),
    });

    // reversal_settled: asking writes no event and changes no status or version; the outcome does.
    const reversed = await approved(1100);
    const asked = await reverse(reversed.paymentId, { orderId: reversed.orderId });
    expect(asked.errors).toBeUndefined();
    expect(asked.data.reversePayment).toEqual({
      userErrors: [],
      idempotentReplay: false,
      payment: expect.objectContaining({ status: 'APPROVED', version: 2, reversalRequestedAt: expect.any(String) }),
    });
    expect(await outboxOf(reversed.paymentId)).toHaveLength(1);
    const settled = await outcome(reversed.paymentId, 'REVERSAL_SETTLED');
    expect(settled.data.sandboxProcessorOutcome).toEqual({
      userErrors: [],
      eventType: 'PAYMENT_REVERSAL_SETTLED',
      payment: expect.objectContaining({ status: 'REVERSED', version: 3, reversalRequestedAt: null }),
    });

    // reversal_failed on a partly refunded payment: the status stays, the version moves, the reason is kept.
    const failed = await approved(3000);
    await gql(REFUND, { input: { paymentId: failed.paymentId, amountMinor: 1000 } });
    expect((await reverse(failed.paymentId)).errors).toBeUndefined();
    const refused = await outcome(failed.paymentId, 'REVERSAL_FAILED', 'issuer_unavailable');
    expect(refused.data.sandboxProcessorOutcome).toEqual({
      userErrors: [],
      eventType: 'PAYMENT_REVERSAL_FAILED',
      payment: expect.objectContaining({
        status: 'PARTIALLY_REFUNDED',
        version: 4,
        reversalRequestedAt: null,
        failureCode: 'issuer_unavailable',
      }),
    });
    // The reversal is over: money can move again.
    const after = await gql(REFUND, { input: { paymentId: failed.paymentId, amountMinor: 1000 } });
    expect(after.data.refundPayment.payment).toMatchObject({ status: 'PARTIALLY_REFUNDED', version: 5 });

    expect(await seenOf(refunded.paymentId, 2)).toEqual([
      ['PAYMENT_APPROVED', 2, 'APPROVED'],
      ['PAYMENT_REFUNDED', 3, 'PARTIALLY_REFUNDED'],
    ]);
    expect(await seenOf(voided.paymentId, 2)).toEqual([
      ['PAYMENT_APPROVED', 2, 'APPROVED'],
      ['PAYMENT_VOIDED', 3, 'VOIDED'],
    ]);
    await until(() => seen.some((e) => e.payload.orderId === cancelledOrder), 'the cancellation');
    const cancelledId = seen.find((e) => e.payload.orderId === cancelledOrder)!.payload.paymentId;
    expect(await seenOf(cancelledId, 1)).toEqual([['PAYMENT_CANCELLED', 2, 'CANCELLED']]);
    expect(await seenOf(expired.paymentId, 2)).toEqual([
      ['PAYMENT_APPROVED', 2, 'APPROVED'],
      ['PAYMENT_EXPIRED', 3, 'EXPIRED'],
    ]);
    expect(await seenOf(reversed.paymentId, 2)).toEqual([
      ['PAYMENT_APPROVED', 2, 'APPROVED'],
      ['PAYMENT_REVERSAL_SETTLED', 3, 'REVERSED'],
    ]);
    expect(await seenOf(failed.paymentId, 4)).toEqual([
      ['PAYMENT_APPROVED', 2, 'APPROVED'],
      ['PAYMENT_REFUNDED', 3, 'PARTIALLY_REFUNDED'],
      ['PAYMENT_REVERSAL_FAILED', 4, 'PARTIALLY_REFUNDED'],
      ['PAYMENT_REFUNDED', 5, 'PARTIALLY_REFUNDED'],
    ]);
    expect(new Set(seen.map((e) => e.type))).toEqual(new Set(PAYMENT_EVENT_TYPES.map(paymentEventTypeName)));

    // Exactly once: the subscriber's events are the outbox's rows, no more and none twice. Events reach it in
    // outbox order, so once a later payment's event has arrived nothing earlier can still be on its way.
    const sentinel = await approved(100);
    await seenOf(sentinel.paymentId, 1);
    for (const id of [refunded, voided, expired, reversed, failed].map((p) => p.paymentId).concat(cancelledId)) {
      const rows = await outboxOf(id);
      expect(seen.filter((e) => e.payload.paymentId === id).map((e) => [e.type, e.paymentVersion])).toEqual(
        rows.map((row) => [paymentEventTypeName(row.type), row.payment_version]),
      );
    }
    expect(new Set(seen.map((e) => e.sequence)).size).toBe(seen.length);
    expect(subscriptionErrors).toEqual([]);

    // The webhook endpoint received the same events, each once and signed, whatever their type.
    await until(() => receiver.received.length >= seen.length, 'the webhook deliveries');
    const delivered = receiver.received.map((r) => {
      expect(signedBy(webhookSecret, r)).toBe(true);
      const body = JSON.parse(r.rawBody);
      return [body.sequence, body.type, body.payment_version, body.data.payment.status];
    });
    const byStream = (events: unknown[][]) => [...events].sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(byStream(delivered)).toEqual(
      byStream(
        seen.map((e) => [e.sequence, paymentEventTypeOf(e.type), e.paymentVersion, e.payload.status.toLowerCase()]),
      ),
    );
    expect(new Set(delivered.map((d) => d[1]))).toEqual(new Set(PAYMENT_EVENT_TYPES));
  });

  it('writes nothing for an outcome the state machine refuses', async () => {
    const approvedOnly = await approved(800);
    const fullyRefunded = await approved(600);
    await gql(REFUND, { input: { paymentId: fullyRefunded.paymentId } });
    // A settled payment was captured: its authorisation can no longer lapse. Location 2 only, so no other test's
    // payment is settled under it.
    const settled = await approved(400, '2');
    const closed = await gql(`mutation { closeBatch(input: { locationId: "2" }) { settledCount } }`);
    expect(closed.data.closeBatch.settledCount).toBeGreaterThanOrEqual(1);
    const before = await outboxRows();
    const versions = async () =>
      Promise.all(
        [approvedOnly, fullyRefunded, settled].map(
          async (p) =>
            (await gql(`query($id: ID!) { payment(id: $id) { ${PAYMENT} } }`, { id: p.paymentId })).data.payment,
        ),
      );
    const snapshot = await versions();

    for (const [paymentId, what] of [
      [approvedOnly.paymentId, 'REVERSAL_SETTLED'],
      [approvedOnly.paymentId, 'REVERSAL_FAILED'],
      [fullyRefunded.paymentId, 'AUTHORIZATION_EXPIRED'],
      [settled.paymentId, 'AUTHORIZATION_EXPIRED'],
    ]) {
      const body = await outcome(paymentId, what);
      expect(body.errors).toBeUndefined();
      expect({ what, code: userErrorOf(body) }).toEqual({ what, code: 'INVALID_STATE_TRANSITION' });
      expect(body.data.sandboxProcessorOutcome).toMatchObject({ eventType: null, payment: null });
    }
    // A reversal of a final payment is refused by the same machine.
    expect(userErrorOf(await reverse(fullyRefunded.paymentId))).toBe('INVALID_STATE_TRANSITION');
    expect(await outboxRows()).toBe(before);
    expect(await versions()).toEqual(snapshot);
  });

  it('answers 409 reversal_pending to voids, refunds and a second reversal while a reversal is pending', async () => {
    const { orderId, paymentId } = await approved(2500);
    const key = randomUUID();
    const asked = await reverse(paymentId, { key });
    expect(asked.data.reversePayment.payment.reversalRequestedAt).toEqual(expect.any(String));
    // The same key answers the stored result, even now that another reversal would be refused.
    const replay = await reverse(paymentId, { key });
    expect(replay.data.reversePayment).toEqual({ ...asked.data.reversePayment, idempotentReplay: true });
    const before = await outboxRows();

    expect(userErrorOf(await gql(VOID, { input: { paymentId } }))).toBe('REVERSAL_PENDING');
    expect(userErrorOf(await gql(REFUND, { input: { paymentId, amountMinor: 100 } }))).toBe('REVERSAL_PENDING');
    expect(userErrorOf(await reverse(paymentId))).toBe('REVERSAL_PENDING');
    // The REST facade maps it to 409 with the same code.
    const restVoid = await rest('POST', `/pos/v1/orders/${orderId}/payments/${paymentId}/void`);
    expect(restVoid.status).toBe(409);
    expect(restVoid.body).toMatchObject({ status: 409, code: 'reversal_pending' });
    const restRefund = await rest('POST', `/pos/v1/orders/${orderId}/payments/${paymentId}/refunds`, {
      body: { amount_cents: 100 },
    });
    expect(restRefund.status).toBe(409);
    expect(restRefund.body).toMatchObject({ status: 409, code: 'reversal_pending' });
    // Nor does a pending reversal settle with the location's batch: the processor is voiding or refunding it.
    await gql(`mutation { closeBatch(input: { locationId: "1" }) { settledCount } }`);
    const read = await gql(`query($id: ID!) { payment(id: $id) { settledAt refunds { nodes { id } } } }`, {
      id: paymentId,
    });
    expect(read.data.payment).toEqual({ settledAt: null, refunds: { nodes: [] } });
    expect(await outboxRows()).toBe(before);

    // Once it settled, the payment is final.
    expect((await outcome(paymentId, 'REVERSAL_SETTLED')).data.sandboxProcessorOutcome.eventType).toBe(
      'PAYMENT_REVERSAL_SETTLED',
    );
    expect(userErrorOf(await gql(VOID, { input: { paymentId } }))).toBe('INVALID_STATE_TRANSITION');
  });

  it('refuses a reversal of a sale a mobile provider registered: it is reversed with that provider', async () => {
    const posRef = `R-${randomUUID().slice(0, 8)}`;
    const opened = await gql(`mutation($input: OpenCheckInput!) { openCheck(input: $input) { check { id } } }`, {
      input: {
        locationId: '1',
        posRef,
        orderNumber: posRef.slice(2),
        guestCount: 1,
        ownedByEmployeeRef: 'EMP-7',
        ownedByEmployee: 'Sam Lee',
      },
    });
    expect(opened.errors).toBeUndefined();
    const added = await gql(
      `mutation($input: AddCheckItemInput!) { addCheckItem(input: $input) { userErrors { code } } }`,
      {
        input: {
          checkId: opened.data.openCheck.check.id,
          item: { posRef: 'ITEM-1', name: 'Soup', quantity: 1, priceMinor: 1200 },
        },
      },
    );
    expect(added.data.addCheckItem.userErrors).toEqual([]);
    const mobile = await stack.token('demo-partner', 'demo-secret', 'tilt/mobile:payments');
    const paid = await gql(
      `mutation($input: PayCheckInput!) { payCheck(input: $input) { userErrors { code } payment { id processor } } }`,
      {
        input: {
          locationId: '1',
          posRef,
          amountMinor: 1200,
          card: { type: 'VS', last4Digits: '4242', expirationDate: '1240', token: 'tok_visa' },
          transaction: { authorizationCode: 'A1B2C3', invoice: `INV-${posRef}` },
        },
      },
      mobile,
    );
    expect(paid.errors).toBeUndefined();
    expect(paid.data.payCheck.userErrors).toEqual([]);
    expect(paid.data.payCheck.payment.processor).toBe('EXTERNAL');
    const body = await reverse(paid.data.payCheck.payment.id);
    expect(userErrorOf(body)).toBe('PAYMENT_EXTERNAL');
  });

  it('lets no other partner, and no caller without the scope, apply an outcome to our payment', async () => {
    const { paymentId } = await approved(1300);
    const before = await outboxRows();
    const other = await stack.token('other-partner', 'other-secret');
    expect(errorOf(await outcome(paymentId, 'AUTHORIZATION_EXPIRED', undefined, other))).toEqual({
      code: 'NOT_FOUND',
      reason: undefined,
    });
    expect(errorOf(await reverse(paymentId, {}, other)).code).toBe('NOT_FOUND');
    const readOnly = await stack.token('demo-partner', 'demo-secret', 'tilt/pos:read');
    expect(errorOf(await outcome(paymentId, 'AUTHORIZATION_EXPIRED', undefined, readOnly)).code).toBe('FORBIDDEN');
    expect(errorOf(await reverse(paymentId, {}, readOnly)).code).toBe('FORBIDDEN');
    expect(await outboxRows()).toBe(before);
    // The other partner applies outcomes to its own payments only, and they are its own events.
    const theirs = await approved(300, '3', other);
    const expired = await outcome(theirs.paymentId, 'AUTHORIZATION_EXPIRED', undefined, other);
    expect(expired.data.sandboxProcessorOutcome.payment.status).toBe('EXPIRED');
  });

  it('validates the outcome input', async () => {
    const { paymentId } = await approved(200);
    const reasonOnSettled = await outcome(paymentId, 'AUTHORIZATION_EXPIRED', 'because');
    expect(reasonOnSettled.data.sandboxProcessorOutcome.userErrors).toEqual([
      { code: 'VALIDATION', field: ['input', 'reason'], message: 'only for REVERSAL_FAILED' },
    ]);
    await reverse(paymentId);
    const badReason = await outcome(paymentId, 'REVERSAL_FAILED', 'Not a code!');
    expect(userErrorOf(badReason)).toBe('VALIDATION');
    // Not a ProcessorOutcome value: the document does not validate, a top-level error.
    const unknown = await outcome(paymentId, 'CHARGEBACK');
    expect(unknown.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(userErrorOf(await outcome('not-a-uuid', 'REVERSAL_SETTLED'))).toBe('VALIDATION');
  });
});
