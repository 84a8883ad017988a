import { randomUUID } from 'node:crypto';
import { INTERNAL_CONTEXT_HEADER, SCOPES, signInternalContext } from '@pos/kit';
import { TEST_INTERNAL_SECRET, partnerPrincipal } from '@pos/testing';
import { payOrder } from '../support/payments';
import { type Stack, startStack } from '../support/stack';

/**
 * Links instead of foreign-key ids, through the real gateway and subgraphs: a refund and a hosted checkout link
 * their payment, a loyalty transaction links its order only when that order exists for the caller, and a
 * dashboard query that the caller may not read does not take the rest of the answer with it.
 */
describe('links between the subgraphs’ types (refunds, checkouts, loyalty orders)', () => {
  let stack: Stack;
  let partner: string;
  beforeAll(async () => {
    stack = await startStack();
    partner = await stack.token();
  });
  afterAll(() => stack?.close());

  async function ok(query: string, variables: Record<string, unknown> = {}, headers?: Record<string, string>) {
    const { body } = await stack.graphql(query, variables, headers ? null : partner, headers);
    expect(body.errors).toBeUndefined();
    return body.data as Record<string, any>;
  }

  it('links a refund to its payment, and keeps paymentId deprecated for one release', async () => {
    const { paymentId } = await payOrder(stack, partner, { amountCents: 1200 });
    const { refundPayment } = await ok(
      `mutation($input: RefundPaymentInput!) {
        refundPayment(input: $input) { refund { id paymentId payment { id status location { id } } } }
      }`,
      { input: { paymentId, amountMinor: 200 } },
    );
    expect(refundPayment.refund.payment).toEqual({
      id: paymentId,
      status: 'PARTIALLY_REFUNDED',
      location: { id: '1' },
    });
    expect(refundPayment.refund.paymentId).toBe(paymentId);

    const { payment } = await ok(`query($id: ID!) { payment(id: $id) { refunds { nodes { payment { id } } } } }`, {
      id: paymentId,
    });
    expect(payment.refunds.nodes).toEqual([{ payment: { id: paymentId } }]);

    const { __type } = await ok(`{ __type(name: "Refund") { fields(includeDeprecated: true) {
      name isDeprecated deprecationReason type { kind ofType { name } } } } }`);
    const fields = Object.fromEntries(__type.fields.map((f: { name: string }) => [f.name, f]));
    expect(fields.paymentId).toMatchObject({ isDeprecated: true, deprecationReason: 'Use payment { id }' });
    expect(fields.payment).toMatchObject({
      isDeprecated: false,
      type: { kind: 'NON_NULL', ofType: { name: 'Payment' } },
    });
  });

  it('links a hosted checkout to the payment that paid it (null until then)', async () => {
    const created = await ok(
      `mutation { createOrder(input: { locationId: "1", currency: "USD", totalMinor: 1800,
        returnUrl: "https://shop.example/done" }) { order { id hostedCheckout { id payment { id } } } } }`,
    );
    const order = created.createOrder.order;
    expect(order.hostedCheckout.payment).toBeNull();
    const paid = await ok(
      `mutation($id: ID!) { createPayment(input: { orderId: $id, amountMinor: 1800, currency: "USD",
        entryMode: CARD_NOT_PRESENT, cardToken: "tok_visa" }) { payment { id } } }`,
      { id: order.id },
    );
    const paymentId = paid.createPayment.payment.id;
    // What the gateway's hosted checkout does after an approval: the field is internal, so asked of orders directly.
    const completed = await fetch(stack.subgraphs.orders.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [INTERNAL_CONTEXT_HEADER]: await signInternalContext(
          TEST_INTERNAL_SECRET,
          partnerPrincipal('demo', [SCOPES.posPayments, SCOPES.posRead]),
        ),
      },
      body: JSON.stringify({
        query: `mutation($o: ID!, $c: ID!, $p: ID!) { completeHostedCheckout(orderId: $o, checkoutId: $c, paymentId: $p) { id } }`,
        variables: { o: order.id, c: order.hostedCheckout.id, p: paymentId },
      }),
    });
    expect(((await completed.json()) as { errors?: unknown }).errors).toBeUndefined();

    const read = await ok(
      `query($id: ID!) { order(id: $id) { hostedCheckout { status paymentId payment { id status amountCents } } } }`,
      { id: order.id },
    );
    expect(read.order.hostedCheckout).toEqual({
      status: 'PAID',
      paymentId,
      payment: { id: paymentId, status: 'APPROVED', amountCents: 1800 },
    });
  });

  describe('a loyalty transaction’s order', () => {
    const EARN = `mutation($input: EarnLoyaltyInput!) { earnLoyalty(input: $input) { transaction { id } } }`;
    const earnOn = async (externalId: string) =>
      (
        await ok(
          EARN,
          { input: { customerCode: '482193', amountMinor: 300, externalId } },
          { 'x-api-key': 'demo-loyalty-standard' },
        )
      ).earnLoyalty.transaction.id as string;
    const ordersOf = async () =>
      (
        await ok(`{ loyaltyCustomer(code: "482193") {
          transactions(first: 10) { nodes { id externalId order { id number } } } } }`)
      ).loyaltyCustomer.transactions.nodes as Array<{ id: string; order: unknown }>;

    it('is null, without errors, when the externalId is a UUID no order has', async () => {
      const phantom = await earnOn(randomUUID());
      const tx = (await ordersOf()).find((t) => t.id === phantom);
      expect(tx?.order).toBeNull();
      // Asked for its id alone (which the loyalty subgraph could answer by itself) it is still null.
      const { loyaltyCustomer } = await ok(
        `{ loyaltyCustomer(code: "482193") { transactions(first: 10) { nodes { id order { id } } } } }`,
      );
      expect(loyaltyCustomer.transactions.nodes.find((t: { id: string }) => t.id === phantom).order).toBeNull();
    });

    it('is the order, with its number, when it exists', async () => {
      const { orderId, orderNumber } = await payOrder(stack, partner, { amountCents: 300 });
      const real = await earnOn(orderId);
      const tx = (await ordersOf()).find((t) => t.id === real);
      expect(tx?.order).toEqual({ id: orderId, number: orderNumber });
    });
  });

  describe('closed sets as enums', () => {
    it('types a payment’s processor and a sandbox outcome’s event type', async () => {
      const { paymentId } = await payOrder(stack, partner, { amountCents: 700 });
      const { payment } = await ok(`query($id: ID!) { payment(id: $id) { processor } }`, { id: paymentId });
      expect(payment.processor).toBe('VALOR');
      const { sandboxProcessorOutcome } = await ok(
        `mutation($input: SandboxProcessorOutcomeInput!) {
          sandboxProcessorOutcome(input: $input) { userErrors { code } eventType payment { status processor } }
        }`,
        { input: { paymentId, outcome: 'AUTHORIZATION_EXPIRED' } },
      );
      expect(sandboxProcessorOutcome).toEqual({
        userErrors: [],
        eventType: 'PAYMENT_EXPIRED',
        payment: { status: 'EXPIRED', processor: 'VALOR' },
      });
    });

    it('takes and shows a webhook endpoint’s event types as PaymentEventType, and refuses the dotted spelling', async () => {
      const { createWebhookEndpoint } = await ok(
        `mutation($input: CreateWebhookEndpointInput!) {
          createWebhookEndpoint(input: $input) { webhookEndpoint { id eventTypes } }
        }`,
        { input: { url: 'https://hooks.example/tilt', eventTypes: ['PAYMENT_APPROVED', 'PAYMENT_REVERSAL_SETTLED'] } },
      );
      const { id, eventTypes } = createWebhookEndpoint.webhookEndpoint;
      expect(eventTypes).toEqual(['PAYMENT_APPROVED', 'PAYMENT_REVERSAL_SETTLED']);
      const updated = await ok(
        `mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { webhookEndpoint { eventTypes } } }`,
        { input: { id, eventTypes: ['PAYMENT_REFUNDED'] } },
      );
      expect(updated.updateWebhookEndpoint.webhookEndpoint.eventTypes).toEqual(['PAYMENT_REFUNDED']);
      // The endpoint filters (and webhook bodies carry) the dotted spelling: a refund reaches it as one delivery.
      const { paymentId } = await payOrder(stack, partner, { amountCents: 500 });
      await ok(`mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { id } } }`, {
        input: { paymentId, amountMinor: 100 },
      });
      const { webhookDeliveries } = await ok(
        `query($id: ID!) { webhookDeliveries(endpointId: $id, first: 10) { nodes { eventType } } }`,
        { id },
      );
      expect(webhookDeliveries.nodes).toEqual([{ eventType: 'PAYMENT_REFUNDED' }]);

      const { status, body } = await stack.graphql(
        `mutation { createWebhookEndpoint(input: { url: "https://hooks.example/x", eventTypes: ["payment.approved"] }) {
          webhookEndpoint { id } } }`,
        {},
        partner,
      );
      expect(status).toBe(400);
      expect(body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });
  });

  it('answers the rest of a query when loyaltyDashboard is refused', async () => {
    const { body } = await stack.graphql(
      `{ loyaltyDashboard { customer { id } } locations { nodes { id } } }`,
      {},
      partner,
    );
    expect(body.errors).toEqual([
      expect.objectContaining({
        path: ['loyaltyDashboard'],
        extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
      }),
    ]);
    expect(body.data).toEqual({ loyaltyDashboard: null, locations: { nodes: expect.arrayContaining([{ id: '1' }]) } });
  });
});
