import { type Client } from 'graphql-ws';
import { DEMO } from '@pos/kit';
import type { PaymentsRuntime } from '@pos/payments/src/context';
import { Payment } from '@pos/payments/src/modules/payment/payment.entity';
import { recordPaymentEvent } from '@pos/payments/src/modules/payment-event/payment-event.outbox';
import { until } from '@pos/testing';
import { payOrder, paymentsSql } from '../support/payments';
import { Receiver } from '../support/receiver';
import { type Stack, startStack } from '../support/stack';
import { gatewayWsClient } from '../support/ws';

/**
 * The outbox orders events per partner, never across partners: one partner's open payment transaction holds back
 * nobody else's events, and once it commits its event still reaches every subscriber and webhook of its partner,
 * exactly once and in that partner's order (a reader that kept one position for the whole outbox would have passed
 * over it for good, its number being lower than the other partner's event that committed first).
 */
describe('payment events: partners never wait on each other', () => {
  let stack: Stack;
  let tokens: Record<'demo' | 'other', string>;
  const clients: Client[] = [];
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    stack = await startStack({ subgraphEnv: { WEBHOOK_POLL_MS: '25' } });
    tokens = { demo: await stack.token(), other: await stack.token('other-partner', 'other-secret') };
  });
  afterAll(async () => {
    await Promise.all(clients.map(async (c) => c.dispose()));
    for (const receiver of receivers) await receiver.close();
    await stack?.close();
  });

  const EVENTS = 'subscription { paymentEvents { id cursor partnerId payment { id } } }';
  const ENDPOINT = `mutation($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) { userErrors { code } webhookEndpoint { id } }
  }`;

  /** A subscriber of the partner through the gateway, collecting the ids and cursors of what it is sent. */
  function subscriber(partner: 'demo' | 'other') {
    const client = gatewayWsClient(stack.gatewayUrl, tokens[partner]);
    clients.push(client);
    const seen: Array<{ id: string; cursor: string; partnerId: string; paymentId: string }> = [];
    const errors: unknown[] = [];
    client.subscribe(
      { query: EVENTS },
      {
        next: (v: any) => seen.push({ ...v.data.paymentEvents, paymentId: v.data.paymentEvents.payment.id }),
        error: (e) => errors.push(e),
        complete: () => undefined,
      },
    );
    return { seen, errors };
  }

  async function webhookReceiver(partner: 'demo' | 'other') {
    const receiver = new Receiver();
    receivers.push(receiver);
    const result = await stack.graphql(ENDPOINT, { input: { url: await receiver.listen() } }, tokens[partner]);
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data!.createWebhookEndpoint.userErrors).toEqual([]);
    return { eventIds: () => receiver.received.map((r) => JSON.parse(r.rawBody).id as string) };
  }

  /** The partner's outbox events after `afterSeq`, in the order they are numbered. */
  const outbox = async (partner: string, afterSeq: string) =>
    (
      await paymentsSql<{ event_id: string }>(
        stack,
        'select event_id from payments.payment_event where tenant_id = ? and seq > ? order by seq',
        [partner, afterSeq],
      )
    ).map((row) => row.event_id);
  const newestSeq = async () =>
    (
      await paymentsSql<{ seq: string }>(stack, 'select coalesce(max(seq), 0)::text as seq from payments.payment_event')
    )[0].seq;

  it("delivers one partner's events while another partner's transaction is open, then that one's, each once", async () => {
    const start = await newestSeq();
    const demoSubscribers = [subscriber('demo'), subscriber('demo')];
    const otherSubscribers = [subscriber('other'), subscriber('other')];
    const hooks = { demo: await webhookReceiver('demo'), other: await webhookReceiver('other') };
    const runtime = stack.subgraphs.payments.runtime as PaymentsRuntime;
    await until(() => runtime.events.subscriberCount >= 2, 'the subscriptions to reach payments');

    // The demo partner's payment transaction writes its event and then stays open until the test lets it go.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let recorded!: () => void;
    const eventWritten = new Promise<void>((resolve) => (recorded = resolve));
    const held = new Payment();
    const demoCommit = stack.subgraphs.payments.orm.em.fork().transactional(async (tx) => {
      Object.assign(held, { tenantId: DEMO.tenants.demo, locationId: 1, amountCents: 4321, currency: 'USD' });
      tx.persist(held);
      await tx.flush();
      await recordPaymentEvent(tx, held, 'payment.approved');
      recorded();
      await released;
    });
    await eventWritten;

    // The other partner pays meanwhile: its payment commits and its event reaches its subscribers and its webhook.
    const otherPaid = await Promise.race([
      payOrder(stack, tokens.other, { locationId: '3', amountCents: 900 }),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("the other partner's payment waited on the demo partner's")), 10_000),
      ),
    ]);
    await until(
      () =>
        otherSubscribers.every((s) => s.seen.some((e) => e.paymentId === otherPaid.paymentId)) &&
        hooks.other.eventIds().length >= 1,
      "the other partner's event, while the demo partner's transaction is open",
    );
    expect(demoSubscribers.every((s) => s.seen.length === 0)).toBe(true);
    expect(hooks.demo.eventIds()).toEqual([]);

    // The demo transaction commits: its event, numbered before the other partner's, still arrives.
    release();
    await demoCommit;
    await until(
      () => demoSubscribers.every((s) => s.seen.length >= 1) && hooks.demo.eventIds().length >= 1,
      "the demo partner's event after its commit",
    );

    // More of both, interleaved; then every subscriber and receiver has its partner's outbox, once, in order.
    for (let i = 0; i < 3; i++) {
      await Promise.all([
        payOrder(stack, tokens.demo, { amountCents: 100 + i }),
        payOrder(stack, tokens.other, { locationId: '3', amountCents: 200 + i }),
      ]);
    }
    const expected = { demo: await outbox('demo', start), other: await outbox('other', start) };
    expect(expected.demo).toHaveLength(4);
    expect(expected.other).toHaveLength(4);
    await until(
      () =>
        demoSubscribers.every((s) => s.seen.length >= 4) &&
        otherSubscribers.every((s) => s.seen.length >= 4) &&
        hooks.demo.eventIds().length >= 4 &&
        hooks.other.eventIds().length >= 4,
      'every event of both partners',
    );
    for (const s of demoSubscribers) {
      expect(s.seen.map((e) => e.id)).toEqual(expected.demo);
      expect(s.seen[0].paymentId).toBe(held.id);
    }
    for (const s of otherSubscribers) expect(s.seen.map((e) => e.id)).toEqual(expected.other);
    for (const s of [...demoSubscribers, ...otherSubscribers]) expect(s.errors).toEqual([]);
    // Webhooks are sent concurrently, so they may arrive in any order (receivers order by payment_version).
    expect([...hooks.demo.eventIds()].sort()).toEqual([...expected.demo].sort());
    expect([...hooks.other.eventIds()].sort()).toEqual([...expected.other].sort());
  });
});
