import { type Client } from 'graphql-ws';
import { DEMO } from '@pos/kit';
import type { PaymentsRuntime } from '@pos/payments/src/context';
import { Payment } from '@pos/payments/src/modules/payment/payment.entity';
import { recordPaymentEvent } from '@pos/payments/src/modules/payment-event/payment-event.outbox';
import { countRows } from '../support/rest';
import { eventIdOf, payOrder } from '../support/payments';
import { Receiver, signedBy } from '../support/receiver';
import { type Stack, startStack } from '../support/stack';
import { gatewayWsClient } from '../support/ws';
import { until } from '@pos/testing';

const CREATE = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    userErrors { code field message } secret webhookEndpoint { id url eventTypes status disabledReason }
  }
}`;
const UPDATE = `mutation($input: UpdateWebhookEndpointInput!) {
  updateWebhookEndpoint(input: $input) {
    userErrors { code field message } webhookEndpoint { id url eventTypes status disabledReason description }
  }
}`;
const DELIVERIES = `query($endpointId: ID, $status: WebhookDeliveryStatus) {
  webhookDeliveries(endpointId: $endpointId, status: $status) {
    nodes { id eventId eventType status attempts lastStatusCode lastError replays attemptLog { attempt statusCode error } }
  }
}`;

describe('payment webhooks: signed deliveries, retries, dead letters and replay', () => {
  let stack: Stack;
  let demoToken: string;
  let operatorToken: string;
  const receivers: Receiver[] = [];
  const endpoints: string[] = [];

  beforeAll(async () => {
    stack = await startStack({
      // Short delays so five attempts take well under a second; the timeout is short enough to test.
      subgraphEnv: { WEBHOOK_RETRY_BASE_MS: '20', WEBHOOK_POLL_MS: '25', WEBHOOK_TIMEOUT_MS: '400' },
    });
    demoToken = await stack.token();
    operatorToken = await stack.token(DEMO.operator.clientId, DEMO.operator.secret);
  });
  afterEach(async () => {
    // Each test's endpoint stops receiving, so the next test's payments do not reach it.
    for (const id of endpoints.splice(0)) {
      await stack.graphql(UPDATE, { input: { id, enabled: false } }, demoToken);
    }
  });
  afterAll(async () => {
    for (const receiver of receivers) await receiver.close();
    await stack?.close();
  });

  async function receiver(): Promise<{ receiver: Receiver; url: string }> {
    const created = new Receiver();
    receivers.push(created);
    return { receiver: created, url: await created.listen() };
  }

  async function register(url: string, input: Record<string, unknown> = {}, token = demoToken) {
    const result = await stack.graphql(CREATE, { input: { url, ...input } }, token);
    expect(result.body.errors).toBeUndefined();
    const { secret, webhookEndpoint: endpoint } = result.body.data!.createWebhookEndpoint;
    endpoints.push(endpoint.id);
    return { secret: secret as string, id: endpoint.id as string };
  }

  const pay = async (amountCents = 1500, token = demoToken) =>
    (await payOrder(stack, token, { amountCents })).paymentId;
  const approvalOf = (paymentId: string, type?: string) => eventIdOf(stack, paymentId, type);

  async function deliveries(endpointId: string, status?: string) {
    const result = await stack.graphql(DELIVERIES, { endpointId, status }, demoToken);
    expect(result.body.errors).toBeUndefined();
    return result.body.data!.webhookDeliveries.nodes as any[];
  }

  it('retries a receiver that fails twice: the third attempt delivers the same event, every one signed', async () => {
    const { receiver: hooks, url } = await receiver();
    hooks.answer = (i) => ({ status: i < 2 ? 500 : 204 });
    const { secret, id } = await register(url);
    const paymentId = await pay();
    const eventId = await approvalOf(paymentId);

    await until(async () => (await deliveries(id))[0]?.status === 'DELIVERED', 'the delivery');
    const attempts = hooks.of(eventId);
    expect(attempts).toHaveLength(3);
    expect(hooks.received).toHaveLength(3);
    for (const [i, r] of attempts.entries()) {
      expect(signedBy(secret, r)).toBe(true);
      expect(r.headers['x-tilt-event-type']).toBe('payment.approved');
      expect(r.headers['x-tilt-delivery-attempt']).toBe(String(i + 1));
      expect(r.headers['content-type']).toBe('application/json');
      // Every attempt sends the same body: the event as it was when it was written.
      expect(r.rawBody).toBe(attempts[0].rawBody);
    }
    const body = JSON.parse(attempts[0].rawBody);
    expect(body).toEqual({
      id: eventId,
      type: 'payment.approved',
      api_version: 'v1',
      created_at: expect.any(String),
      sequence: expect.stringMatching(/^\d+$/),
      partner_id: 'demo',
      location_id: '1',
      payment_version: 2,
      payload_version: 1,
      data: {
        payment: {
          id: paymentId,
          status: 'approved',
          amount_cents: 1500,
          refunded_cents: 0,
          tip_cents: 0,
          currency: 'USD',
          order_id: expect.any(String),
          check_id: null,
          processor: 'valor',
          processor_reference: expect.stringMatching(/^valor_sbx_/),
        },
      },
    });
    const [delivery] = await deliveries(id);
    expect(delivery).toMatchObject({ eventId, status: 'DELIVERED', attempts: 3, lastStatusCode: 204 });
    expect(delivery.attemptLog.map((a: any) => a.statusCode)).toEqual([500, 500, 204]);
  });

  it('dead-letters a receiver that always fails after 5 attempts; an operator replay delivers it', async () => {
    const { receiver: hooks, url } = await receiver();
    let healthy = false;
    hooks.answer = () => ({ status: healthy ? 200 : 502 });
    const { secret, id } = await register(url);
    const paymentId = await pay();
    const eventId = await approvalOf(paymentId);

    await until(async () => (await deliveries(id))[0]?.status === 'DEAD', 'the dead letter');
    expect(hooks.of(eventId)).toHaveLength(5);
    const [dead] = await deliveries(id, 'DEAD');
    expect(dead).toMatchObject({ eventId, attempts: 5, lastStatusCode: 502, lastError: 'http_502' });

    // The partner sees its dead letters; the operator sees them across partners, and replays.
    const listed = await stack.graphql(
      `query { webhookDeadLetters(partnerId: "demo") { nodes { id eventId status tenantId } } }`,
      {},
      operatorToken,
    );
    expect(listed.body.data!.webhookDeadLetters.nodes).toContainEqual({
      id: dead.id,
      eventId,
      status: 'DEAD',
      tenantId: 'demo',
    });
    const partnerTries = await stack.graphql(`query { webhookDeadLetters { nodes { id } } }`, {}, demoToken);
    expect(partnerTries.body.errors![0].extensions!.code).toBe('FORBIDDEN');

    healthy = true;
    const replay = await stack.graphql(
      `mutation($id: ID!) { replayWebhookDelivery(input: { id: $id }) {
        userErrors { code } delivery { id status attempts replays }
      } }`,
      { id: dead.id },
      operatorToken,
    );
    expect(replay.body.data!.replayWebhookDelivery).toEqual({
      userErrors: [],
      delivery: { id: dead.id, status: 'PENDING', attempts: 0, replays: 1 },
    });
    await until(() => hooks.of(eventId).length === 6, 'the replayed delivery');
    const replayed = hooks.of(eventId)[5];
    expect(signedBy(secret, replayed)).toBe(true);
    expect(replayed.rawBody).toBe(hooks.of(eventId)[0].rawBody);
    await until(async () => (await deliveries(id))[0]?.status === 'DELIVERED', 'delivered after the replay');

    // Replaying what is not dead is refused, as a user error.
    const again = await stack.graphql(
      `mutation($id: ID!) { replayWebhookDelivery(input: { id: $id }) { userErrors { code field message } delivery { id } } }`,
      { id: dead.id },
      operatorToken,
    );
    expect(again.body.errors).toBeUndefined();
    expect(again.body.data!.replayWebhookDelivery).toEqual({
      userErrors: [{ code: 'WEBHOOK_DELIVERY_NOT_DEAD', field: ['input', 'id'], message: expect.any(String) }],
      delivery: null,
    });
  });

  it('disables an endpoint that answers 410, and honours Retry-After', async () => {
    const { receiver: gone, url: goneUrl } = await receiver();
    gone.answer = () => ({ status: 410 });
    const { id: goneId } = await register(goneUrl);
    const { receiver: busy, url: busyUrl } = await receiver();
    busy.answer = (i) => (i === 0 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 });
    await register(busyUrl);

    const first = await approvalOf(await pay());
    await until(async () => (await deliveries(goneId))[0]?.status === 'DEAD', 'the 410');
    const endpoint = await stack.graphql(
      `query($id: ID!) { webhookEndpoint(id: $id) { status disabledReason } }`,
      {
        id: goneId,
      },
      demoToken,
    );
    expect(endpoint.body.data!.webhookEndpoint).toEqual({ status: 'DISABLED', disabledReason: 'GONE' });
    expect(gone.of(first)).toHaveLength(1);

    await until(() => busy.of(first).length === 2, 'the retry after Retry-After');
    const [refused, retried] = busy.of(first);
    // The base delay is 20 ms; the receiver asked for 1 s.
    expect(retried.at - refused.at).toBeGreaterThanOrEqual(950);

    // A disabled endpoint gets nothing more.
    await pay();
    await until(() => busy.received.length === 3, 'the next event at the healthy endpoint');
    expect(gone.received).toHaveLength(1);
  });

  it('times out a receiver that does not answer', async () => {
    const { receiver: slow, url } = await receiver();
    slow.answer = (i) => (i === 0 ? 'hang' : { status: 200 });
    const { id } = await register(url);
    const eventId = await approvalOf(await pay());
    await until(async () => (await deliveries(id))[0]?.status === 'DELIVERED', 'the delivery after a time-out');
    const [delivery] = await deliveries(id);
    expect(delivery.attemptLog).toEqual([
      { attempt: 1, statusCode: null, error: 'timeout' },
      { attempt: 2, statusCode: 200, error: null },
    ]);
    expect(slow.of(eventId)).toHaveLength(2);
  });

  it('delivers only the event types an endpoint asked for, and only its own partner’s', async () => {
    const { receiver: refunds, url } = await receiver();
    const { id } = await register(url, { eventTypes: ['PAYMENT_REFUNDED'] });
    const otherToken = await stack.token('other-partner', 'other-secret');
    const { receiver: others, url: otherUrl } = await receiver();
    const other = await register(otherUrl, {}, otherToken);

    const paymentId = await pay(2000);
    const refund = await stack.graphql(
      `mutation($id: ID!) { refundPayment(input: { paymentId: $id, amountMinor: 500 }) { refund { id } payment { status } } }`,
      { id: paymentId },
      demoToken,
    );
    expect(refund.body.errors).toBeUndefined();
    await until(() => refunds.received.length === 1, 'the refund event');
    expect(refunds.received[0].headers['x-tilt-event-type']).toBe('payment.refunded');
    expect(JSON.parse(refunds.received[0].rawBody).data.payment).toMatchObject({
      status: 'partially_refunded',
      refunded_cents: 500,
    });
    // The refund that made the event, with its own amount: what a receiver sums.
    expect(JSON.parse(refunds.received[0].rawBody).data.refund).toEqual({
      id: refund.body.data!.refundPayment.refund.id,
      amount_cents: 500,
    });
    expect((await deliveries(id)).map((d) => d.eventType)).toEqual(['PAYMENT_REFUNDED']);

    // The other partner's endpoint received nothing of demo's, and cannot see or touch demo's endpoint.
    expect(others.received).toHaveLength(0);
    const peek = await stack.graphql(`query($id: ID!) { webhookEndpoint(id: $id) { id } }`, { id }, otherToken);
    expect(peek.body.errors![0].extensions!.code).toBe('NOT_FOUND');
    const change = await stack.graphql(UPDATE, { input: { id, url: otherUrl } }, otherToken);
    expect(change.body.errors![0].extensions!.code).toBe('NOT_FOUND');
    const [demoDelivery] = await deliveries(id);
    const replay = await stack.graphql(
      `mutation($id: ID!) { replayWebhookDelivery(input: { id: $id }) { delivery { id } } }`,
      { id: demoDelivery.id },
      otherToken,
    );
    expect(replay.body.errors![0].extensions!.code).toBe('NOT_FOUND');
    const theirs = await stack.graphql(`query { webhookDeliveries { nodes { id } totalCount } }`, {}, otherToken);
    expect(theirs.body.data!.webhookDeliveries).toEqual({ nodes: [], totalCount: 0 });
    await stack.graphql(UPDATE, { input: { id: other.id, enabled: false } }, otherToken);
  });

  it('is managed only by M2M clients with tilt/webhooks:subscribe, and validates what it is given', async () => {
    const withoutScope = await stack.token('demo-partner', 'demo-secret', 'tilt/pos:read');
    const refused = await stack.graphql(CREATE, { input: { url: 'https://example.com/hooks' } }, withoutScope);
    expect(refused.body.errors![0].extensions!.code).toBe('FORBIDDEN');
    const manager = await stack.userToken('manager@demo.example');
    const user = await stack.graphql(`query { webhookEndpoints { nodes { id } } }`, {}, manager);
    expect(user.body.errors![0].extensions!.code).toBe('FORBIDDEN');

    const bad = await stack.graphql(
      CREATE,
      { input: { url: 'ftp://example.com', eventTypes: ['PAYMENT_APPROVED'] } },
      demoToken,
    );
    expect(bad.body.errors).toBeUndefined();
    expect(bad.body.data!.createWebhookEndpoint).toEqual({
      userErrors: [{ code: 'VALIDATION', field: ['input', 'url'], message: 'must be an http or https URL' }],
      secret: null,
      webhookEndpoint: null,
    });
    // Event types are PaymentEventType values: an unknown one never reaches the service.
    const unknown = await stack.graphql(
      CREATE,
      { input: { url: 'https://example.com/hooks', eventTypes: ['PAYMENT_APPROVED', 'PAYMENT_STOLEN'] } },
      demoToken,
    );
    expect(unknown.body.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    expect(unknown.body.errors![0].message).toMatch(/PAYMENT_STOLEN/);
  });

  it('keeps the secret sealed, shows it once, and signs with both secrets during a rotation overlap', async () => {
    const { receiver: hooks, url } = await receiver();
    const { secret, id } = await register(url);
    const [row] = await stack.subgraphs.payments.orm.em
      .fork()
      .getConnection()
      .execute<{ secret_sealed: string }[]>('select secret_sealed from payments.webhook_endpoint where id = ?', [id]);
    expect(row.secret_sealed).not.toContain(secret.slice('whsec_'.length));
    expect(row.secret_sealed.startsWith('v1.')).toBe(true);

    const rotate = `mutation($id: ID!, $overlap: Int) {
      rotateWebhookEndpointSecret(input: { id: $id, overlapSeconds: $overlap }) {
        userErrors { code } secret webhookEndpoint { previousSecretExpiresAt }
      }
    }`;
    const rotated = await stack.graphql(rotate, { id, overlap: 3600 }, demoToken);
    const newSecret = rotated.body.data!.rotateWebhookEndpointSecret.secret as string;
    expect(newSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(newSecret).not.toBe(secret);
    const during = await approvalOf(await pay());
    await until(() => hooks.of(during).length === 1, 'a delivery during the overlap');
    const [overlapped] = hooks.of(during);
    expect((overlapped.headers['x-tilt-signature'] as string).split(', ')).toHaveLength(2);
    expect(signedBy(newSecret, overlapped)).toBe(true);
    expect(signedBy(secret, overlapped)).toBe(true);

    const ended = await stack.graphql(rotate, { id, overlap: 0 }, demoToken);
    const latest = ended.body.data!.rotateWebhookEndpointSecret.secret as string;
    const after = await approvalOf(await pay());
    await until(() => hooks.of(after).length === 1, 'a delivery after the rotation');
    const [single] = hooks.of(after);
    expect(signedBy(latest, single)).toBe(true);
    expect(signedBy(newSecret, single)).toBe(false);
    // Tampering with the body, the event id or the timestamp breaks the signature.
    expect(signedBy(latest, { ...single, rawBody: single.rawBody.replace('1500', '1') })).toBe(false);
    expect(signedBy(latest, { ...single, headers: { ...single.headers, 'x-tilt-event-id': during } })).toBe(false);
  });

  it('a rolled-back payment produces neither a webhook nor a subscription event', async () => {
    const { receiver: hooks, url } = await receiver();
    await register(url);
    const client: Client = gatewayWsClient(stack.gatewayUrl, demoToken);
    const seen: any[] = [];
    const stop = client.subscribe(
      { query: 'subscription { paymentEvents { id type payment { id } } }' },
      { next: (v) => seen.push(v), error: () => undefined, complete: () => undefined },
    );
    const runtime = stack.subgraphs.payments.runtime as PaymentsRuntime;
    await until(() => runtime.events.subscriberCount >= 1, 'the subscription');
    const before = await countRows(stack, 'payments.webhook_delivery');

    // A payment and its event written in one transaction that then fails: nothing of it may surface.
    const rolledBack = new Payment();
    await expect(
      stack.subgraphs.payments.orm.em.fork().transactional(async (tx) => {
        Object.assign(rolledBack, { tenantId: 'demo', locationId: 1, amountCents: 999, currency: 'USD' });
        tx.persist(rolledBack);
        await tx.flush();
        await recordPaymentEvent(tx, rolledBack, 'payment.approved');
        throw new Error('the processor answer could not be recorded');
      }),
    ).rejects.toThrow('could not be recorded');

    const committed = await pay();
    await until(() => seen.length >= 1 && hooks.received.length >= 1, 'the committed payment’s event');
    expect(seen.map((v) => v.data.paymentEvents.payment.id)).toEqual([committed]);
    expect(hooks.received.map((r) => JSON.parse(r.rawBody).data.payment.id)).toEqual([committed]);
    expect(await countRows(stack, 'payments.webhook_delivery')).toBe(before + 1);
    expect(await countRows(stack, 'payments.payment', 'id = ?', [rolledBack.id])).toBe(0);
    stop();
    await client.dispose();
  });
});
