import { encrypt } from '@pos/kit';
import type { PaymentsRuntime } from '@pos/payments/src/context';
import { verifySignature } from '@pos/payments/src/modules/webhook/webhook.signature';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { eventIdOf, payOrder, paymentsSql } from '../support/payments';
import { Receiver } from '../support/receiver';
import { type Stack, startStack } from '../support/stack';
import { until } from '@pos/testing';

const CREATE = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret webhookEndpoint { id } }
}`;
const ROTATE = `mutation($id: ID!) { rotateWebhookEndpointSecret(input: { id: $id, overlapSeconds: 0 }) { secret } }`;

/**
 * Every delivery carries the Standard Webhooks headers beside X-Tilt-Signature, so the `standardwebhooks` library
 * verifies it with the endpoint's secret as it was shown; a secret from before Standard Webhooks gets them from its
 * next rotation.
 */
describe('Standard Webhooks', () => {
  let stack: Stack;
  let token: string;
  let receiver: Receiver;
  let url: string;
  beforeAll(async () => {
    stack = await startStack({ subgraphEnv: { WEBHOOK_POLL_MS: '25' } });
    token = await stack.token();
  });
  // Each test has its own receiver: the other test's endpoint, still enabled, never posts to it.
  beforeEach(async () => {
    receiver = new Receiver();
    url = await receiver.listen();
  });
  afterEach(() => receiver.close());
  afterAll(() => stack?.close());

  const deliveryOf = async (paymentId: string) => {
    const eventId = await eventIdOf(stack, paymentId);
    await until(() => receiver.of(eventId).length === 1, 'the delivery');
    return receiver.of(eventId)[0];
  };

  it('a real delivery verifies with the standardwebhooks package, and X-Tilt-Signature still verifies', async () => {
    const created = await stack.graphql(CREATE, { input: { url, eventTypes: ['PAYMENT_APPROVED'] } }, token);
    expect(created.body.errors).toBeUndefined();
    const { secret } = created.body.data!.createWebhookEndpoint;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const { paymentId } = await payOrder(stack, token, { amountCents: 1234 });
    const delivery = await deliveryOf(paymentId);
    const headers = delivery.headers as Record<string, string>;
    expect(headers['webhook-id']).toBe(headers['x-tilt-event-id']);
    expect(headers['webhook-timestamp']).toBe(headers['x-tilt-timestamp']);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    const verified = new Webhook(secret).verify(delivery.rawBody, headers) as { id: string; type: string };
    expect(verified).toMatchObject({ id: headers['webhook-id'], type: 'payment.approved' });
    // The body is the one the library verified; a changed byte fails it.
    expect(() => new Webhook(secret).verify(delivery.rawBody.replace('1234', '1235'), headers)).toThrow();
    expect(() =>
      new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(delivery.rawBody, headers),
    ).toThrow();
    // The X-Tilt signature is keyed as before: the secret's UTF-8 bytes, prefix included.
    expect(
      verifySignature({
        secret,
        header: headers['x-tilt-signature'],
        eventId: headers['x-tilt-event-id'],
        timestamp: headers['x-tilt-timestamp'],
        rawBody: delivery.rawBody,
      }),
    ).toBe(true);
  });

  it('an endpoint whose secret predates Standard Webhooks gets the headers from its next rotation', async () => {
    const created = await stack.graphql(CREATE, { input: { url, eventTypes: ['PAYMENT_APPROVED'] } }, token);
    const { id } = created.body.data!.createWebhookEndpoint.webhookEndpoint;
    // A secret in the earlier form (base64url, unpadded), sealed as the subgraph seals secrets.
    const legacy = `whsec_${randomBytes(32).toString('base64url')}`;
    const key = (stack.subgraphs.payments.runtime as PaymentsRuntime).webhookKey;
    await paymentsSql(stack, 'update payments.webhook_endpoint set secret_sealed = ? where id = ?', [
      encrypt(legacy, key),
      id,
    ]);

    const before = await deliveryOf((await payOrder(stack, token)).paymentId);
    expect(Object.keys(before.headers).filter((name) => name.startsWith('webhook-'))).toEqual([]);
    expect(
      verifySignature({
        secret: legacy,
        header: before.headers['x-tilt-signature'] as string,
        eventId: before.headers['x-tilt-event-id'] as string,
        timestamp: before.headers['x-tilt-timestamp'] as string,
        rawBody: before.rawBody,
      }),
    ).toBe(true);

    const rotated = await stack.graphql(ROTATE, { id }, token);
    expect(rotated.body.errors).toBeUndefined();
    const secret = rotated.body.data!.rotateWebhookEndpointSecret.secret as string;
    const after = await deliveryOf((await payOrder(stack, token)).paymentId);
    expect(() => new Webhook(secret).verify(after.rawBody, after.headers as Record<string, string>)).not.toThrow();
  });
});
