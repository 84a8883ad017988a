import type { Client } from 'graphql-ws';
import { payOrder } from '../support/payments';
import { type Stack, startStack } from '../support/stack';
import { firstOf, gatewayWsClient } from '../support/ws';

/**
 * Payment events as the graph types them: closed sets are enums (a typo in a filter is a validation error, not a
 * filter that silently matches nothing).
 */
describe('payment events in the graph', () => {
  let stack: Stack;
  let token: string;
  let client: Client;
  beforeAll(async () => {
    stack = await startStack();
    token = await stack.token();
    client = gatewayWsClient(stack.gatewayUrl, token);
  });
  afterAll(async () => {
    await client?.dispose();
    await stack?.close();
  });

  /** A cursor at the caller's newest event: subscribing after it delivers what commits from now on. */
  const cursorNow = async () =>
    (await stack.graphql('{ paymentEventsCursor }', {}, token)).body.data!.paymentEventsCursor;

  it('types an event and its payload with enums, and filters by PaymentEventType', async () => {
    const after = await cursorNow();
    const { paymentId } = await payOrder(stack, token, { amountCents: 700 });
    const { result, errors } = await firstOf(
      client,
      `subscription { paymentEvents(after: "${after}", types: [PAYMENT_APPROVED]) {
        type payload { paymentId status processor }
      } }`,
    );
    expect(errors).toBeUndefined();
    expect(result.data.paymentEvents).toEqual({
      type: 'PAYMENT_APPROVED',
      payload: { paymentId, status: 'APPROVED', processor: 'VALOR' },
    });
  });

  it('refuses an unknown event type in the filter as a validation error', async () => {
    const { result, errors } = await firstOf(client, 'subscription { paymentEvents(types: [PAYMENT_APROVED]) { id } }');
    expect(result).toBeUndefined();
    // graphql-ws answers a document that fails validation with its errors alone, before anything is subscribed.
    expect(errors).toEqual([
      {
        message: expect.stringMatching(
          /^Value "PAYMENT_APROVED" does not exist in "PaymentEventType" enum\. Did you mean the enum value "PAYMENT_APPROVED"/,
        ),
        locations: [{ line: 1, column: 38 }],
      },
    ]);
    // Nor is the webhook spelling an event type in the graph.
    const dotted = await firstOf(client, 'subscription { paymentEvents(types: ["payment.approved"]) { id } }');
    expect(dotted.errors?.[0].message).toMatch(/PaymentEventType/);
  });

  it('describes every event type, and keeps the webhook spelling in each description', async () => {
    const { body } = await stack.graphql(
      '{ __type(name: "PaymentEventType") { enumValues { name description } } }',
      {},
      token,
    );
    const values = body.data!.__type.enumValues as { name: string; description: string }[];
    expect(values.map((v) => v.name).sort()).toEqual(
      [
        'PAYMENT_APPROVED',
        'PAYMENT_CANCELLED',
        'PAYMENT_EXPIRED',
        'PAYMENT_REFUNDED',
        'PAYMENT_REVERSAL_FAILED',
        'PAYMENT_REVERSAL_SETTLED',
        'PAYMENT_VOIDED',
      ].sort(),
    );
    for (const value of values) {
      expect(value.description).toContain(`(webhooks: ${value.name.toLowerCase().replace('_', '.')})`);
    }
  });

  it('links an event to its location and, on a refund, to the refund with its own amount', async () => {
    const after = await cursorNow();
    const { paymentId } = await payOrder(stack, token, { amountCents: 2000, locationId: '2' });
    const refunds: string[] = [];
    for (const amountCents of [300, 450]) {
      const { body } = await stack.graphql(
        `mutation($id: ID!, $amount: Int!) { refundPayment(input: { paymentId: $id, amountMinor: $amount }) { refund { id } } }`,
        { id: paymentId, amount: amountCents },
        token,
      );
      expect(body.errors).toBeUndefined();
      refunds.push(body.data!.refundPayment.refund.id);
    }
    const events: any[] = [];
    await new Promise<void>((resolve, reject) => {
      const dispose = client.subscribe(
        {
          query: `subscription { paymentEvents(after: "${after}") {
            type location { id name } refund { id amountCents }
            payload { paymentId amount { amountMinor currency } refunded { amountMinor currency } tip { amountMinor } }
          } }`,
        },
        {
          next: (value) => {
            const event = (value.data as any).paymentEvents;
            if (event.payload.paymentId !== paymentId) return;
            events.push(event);
            if (events.length === 3) {
              dispose();
              resolve();
            }
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    const location = { id: '2', name: expect.any(String) };
    const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
    expect(events).toEqual([
      {
        type: 'PAYMENT_APPROVED',
        location,
        refund: null,
        payload: { paymentId, amount: usd(2000), refunded: usd(0), tip: { amountMinor: 0 } },
      },
      {
        type: 'PAYMENT_REFUNDED',
        location,
        refund: { id: refunds[0], amountCents: 300 },
        payload: { paymentId, amount: usd(2000), refunded: usd(300), tip: { amountMinor: 0 } },
      },
      {
        type: 'PAYMENT_REFUNDED',
        location,
        refund: { id: refunds[1], amountCents: 450 },
        payload: { paymentId, amount: usd(2000), refunded: usd(750), tip: { amountMinor: 0 } },
      },
    ]);
  });
});
