import type { MikroORM } from '@mikro-orm/postgresql';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { type TestNats, memoryLogger, startNatsServer, until } from '@pos/testing';
import type { PaymentsRuntime } from '../src/context';
import {
  EVENTS_STREAM,
  PaymentEventRelay,
  connectBroker,
  eventSubject,
} from '../src/modules/payment-event/payment-event.broker';
import type { PaymentEvent } from '../src/modules/payment-event/payment-event.entity';
import { type PaymentsHarness, demo, startPayments } from './support';

/**
 * EVENTS_BROKER=nats: the relay publishes committed outbox events to NATS JetStream and the hub takes its live
 * events from the stream, not from a read of the outbox per notification (the outbox poll is set to a minute here,
 * so what arrives sooner came through the broker). A broker restart and a relay taking over from a stopped one lose
 * and repeat nothing, and a message whose predecessor the hub never saw sends it to the outbox instead.
 */
describe('payment events through NATS JetStream', () => {
  let nats: TestNats;
  let h: PaymentsHarness;
  let runtime: PaymentsRuntime;
  let orm: MikroORM;
  const relays: PaymentEventRelay[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    h = await startPayments({ env: { EVENTS_BROKER: 'nats', NATS_URL: nats.url, EVENTS_POLL_MS: '60000' } });
    runtime = h.payments.started.runtime as PaymentsRuntime;
    orm = h.payments.started.orm;
  });
  afterAll(async () => {
    for (const relay of relays) await relay.close();
    await h?.close();
    await nats?.close();
  });

  const pay = async () => {
    const orderId = await h.createOrder({ totalMinor: 700 });
    return (await h.payOk({ orderId, amountMinor: 700 })).id as string;
  };
  const outboxSeqs = async (after: string) =>
    (
      await h.sql<{ seq: string }>(
        `select e.seq::text as seq from payments.payment_event e where e.tenant_id = 'demo' and e.seq > ? order by e.seq`,
        [after],
      )
    ).map((row) => row.seq);

  function consume(after: string) {
    const stream = runtime.events.subscribe(demo, { after });
    const seen: PaymentEvent[] = [];
    const running = (async () => {
      for (;;) {
        const next = await stream.next();
        if (next.done) return;
        seen.push(next.value);
      }
    })();
    return { seen, stop: async () => (await stream.return?.(), await running) };
  }

  it('delivers live events from the stream, across a broker restart and a relay takeover, each once in order', async () => {
    const relay = runtime.relay!;
    await until(() => relay.isLeader, 'the relay to lead');
    const start = await runtime.events.headCursor(demo);
    const subscriber = consume(start);
    await until(() => runtime.events.partnerCount === 1, 'the hub to follow the partner');
    const readBefore = runtime.events.eventsRead;

    const first = [await pay(), await pay(), await pay()];
    await until(() => subscriber.seen.length >= 3, 'three events through the broker');
    expect(subscriber.seen.map((e) => e.paymentId)).toEqual(first);
    expect(runtime.events.eventsFromBroker).toBeGreaterThanOrEqual(3);
    expect(runtime.events.eventsRead).toBe(readBefore);

    // The broker restarts (its stream is on disk): the relay and the hub's consumer reconnect.
    await nats.restart();
    const second = [await pay(), await pay()];
    await until(() => subscriber.seen.length >= 5, 'the events after the broker restart');

    // The leading relay stops; another (as another replica's would) takes its lock and goes on from its place.
    await relay.close();
    const takeover = new PaymentEventRelay(orm, {
      databaseUrl: orm.config.get('clientUrl'),
      natsUrl: nats.url,
      logger: memoryLogger('relay').logger,
      pollMs: 100,
    });
    relays.push(takeover);
    const third = await pay();
    takeover.start();
    await until(() => takeover.isLeader && subscriber.seen.length >= 6, 'the event the new relay publishes');

    await new Promise((r) => setTimeout(r, 200));
    expect(subscriber.seen.map((e) => e.seq)).toEqual(await outboxSeqs(start));
    expect(subscriber.seen.map((e) => e.paymentId)).toEqual([...first, ...second, third]);
    await subscriber.stop();
  });

  it('reads the outbox instead of delivering a message whose predecessor it never saw', async () => {
    const start = await runtime.events.headCursor(demo);
    const subscriber = consume(start);
    await until(() => runtime.events.partnerCount === 1, 'the hub to follow the partner');
    const readBefore = runtime.events.eventsRead;
    const gapsBefore = runtime.events.brokerGaps;
    // A message as the relay would send it, but after an event the hub never received.
    const nc = await connectBroker(nats.url, 'test');
    const h2 = headers();
    h2.set('Pos-Seq', '999999999');
    await jetstream(nc).publish(
      eventSubject('demo', 'payment.approved'),
      JSON.stringify({
        seq: '999999999',
        prevSeq: '999999998',
        eventId: '00000000-0000-4000-8000-000000000001',
        tenantId: 'demo',
        type: 'payment.approved',
        paymentId: '00000000-0000-4000-8000-000000000002',
        paymentVersion: 2,
        locationId: 1,
        payloadVersion: 1,
        payload: {},
        occurredAt: new Date().toISOString(),
      }),
      { headers: h2 },
    );
    await until(() => runtime.events.brokerGaps > gapsBefore, 'the hub to notice the missing predecessor');
    // What it then read of the outbox held nothing new; the forged message itself was never delivered.
    const paid = await pay();
    await until(() => subscriber.seen.length >= 1, 'the real event');
    expect(subscriber.seen.map((e) => e.paymentId)).toEqual([paid]);
    expect(runtime.events.eventsRead).toBe(readBefore);
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info(EVENTS_STREAM)).state.messages).toBeGreaterThan(0);
    await nc.drain();
    await subscriber.stop();
  });
});
