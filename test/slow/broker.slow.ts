/**
 * Payment events through NATS JetStream (EVENTS_BROKER=nats) on real processes: two gateways, each on its own
 * payments replica, both replicas on one PostgreSQL and one nats-server of this suite's own (started here on a free
 * port with its store in a temp folder: the machine's NATS is never stopped). While two partners pay through both
 * gateways, the payments replica whose relay is publishing is killed (SIGKILL) and started again, then the broker is
 * restarted. Every subscriber of each partner, on either gateway, must end with exactly that partner's events of
 * the outbox from its anchor on, each once, in order. Run by `pnpm test:reliability`, not `pnpm test`.
 */
import { randomUUID } from 'node:crypto';
import { type TestNats, startNatsServer, until } from '@pos/testing';
import {
  type EventSubscriber,
  type SlowSystem,
  openSubscriber,
  restApi,
  serviceMetric,
  startSlowSystem,
} from './system';

const PARTNERS = {
  demo: { clientId: 'demo-partner', secret: 'demo-secret', location: 1 },
  other: { clientId: 'other-partner', secret: 'other-secret', location: 3 },
} as const;
type Partner = keyof typeof PARTNERS;
const GATEWAYS = ['gateway', 'gateway-2'] as const;

describe('events through NATS JetStream: relay killed, broker restarted (real processes)', () => {
  let nats: TestNats;
  let sys: SlowSystem;

  beforeAll(async () => {
    // Fails with a clear message when nats-server is missing: this suite needs a real broker.
    nats = await startNatsServer();
    sys = await startSlowSystem(
      { EVENTS_BROKER: 'nats', NATS_URL: nats.url },
      {
        replicas: [
          { name: 'payments-2', of: 'payments' },
          {
            name: 'gateway-2',
            of: 'gateway',
            env: (ports) => ({ PAYMENTS_URL: `http://127.0.0.1:${ports['payments-2']}/graphql` }),
          },
        ],
      },
    );
  }, 180_000);

  afterAll(async () => {
    await sys?.close();
    await nats?.close();
  }, 60_000);

  /** The payments process whose relay holds the lock (its connection is named after its process id). */
  const leader = async (): Promise<string | null> => {
    const rows = await sys.sql<{ application_name: string }>(
      `select a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid
       where l.locktype = 'advisory' and l.granted and a.application_name like 'payments-event-relay:%'`,
    );
    const pid = Number(rows[0]?.application_name.split(':')[1]);
    return ['payments', 'payments-2'].find((name) => sys.services[name].child?.pid === pid) ?? null;
  };

  it('every subscriber of each partner, on both gateways, gets each of its events once, in order', async () => {
    const origins = Object.fromEntries(
      GATEWAYS.map((name) => [name, `http://127.0.0.1:${sys.services[name].port}`]),
    ) as Record<(typeof GATEWAYS)[number], string>;
    const tokens = {} as Record<Partner, string>;
    for (const partner of Object.keys(PARTNERS) as Partner[]) {
      tokens[partner] = await sys.token(PARTNERS[partner].clientId, PARTNERS[partner].secret);
    }
    const subscribers: Array<{ partner: Partner; gateway: string; sub: EventSubscriber }> = [];
    for (const gateway of GATEWAYS) {
      for (const partner of Object.keys(PARTNERS) as Partner[]) {
        const wsUrl = origins[gateway].replace('http', 'ws') + '/graphql';
        subscribers.push({ partner, gateway, sub: await openSubscriber(wsUrl, tokens[partner]) });
      }
    }

    /** Pays a new order of the partner through a gateway whose payments replica is up; the payment's id. */
    const pay = async (partner: Partner, via: (typeof GATEWAYS)[number]) => {
      const api = restApi(origins[via], tokens[partner]);
      const orderKey = randomUUID();
      const payKey = randomUUID();
      const deadline = Date.now() + 60_000;
      for (;;) {
        const order = await api.createOrder(orderKey, 500, PARTNERS[partner].location);
        const paid = order.status === 201 ? await api.pay(order.body.id, payKey, 500) : order;
        if (paid.status === 201) return paid.body.id as string;
        // A replica just killed or the broker restarting: the same keys again, so nothing is paid twice.
        if (Date.now() > deadline) throw new Error(`payment failed: ${paid.status} ${JSON.stringify(paid.body)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    const payBoth = async (count: number, via: Array<(typeof GATEWAYS)[number]> = [...GATEWAYS]) => {
      for (let i = 0; i < count; i++) {
        await Promise.all([pay('demo', via[i % via.length]), pay('other', via[(i + 1) % via.length])]);
      }
    };

    // Anchors: a payment of each partner that every subscriber of that partner has received.
    const anchors = { demo: await pay('demo', 'gateway'), other: await pay('other', 'gateway-2') };
    await until(
      () => subscribers.every(({ partner, sub }) => sub.events.some((e) => e.paymentId === anchors[partner])),
      'the anchor events on every subscriber',
      30_000,
    );
    const fromSeq = (s: (typeof subscribers)[number]) =>
      s.sub.events.find((e) => e.paymentId === anchors[s.partner])!.seq;

    await payBoth(5);

    // The publishing relay's process dies mid-stream; the other replica's relay takes over; payments go on
    // through the gateway whose replica is up, then the killed one comes back.
    const publishing = await leader();
    expect(publishing).not.toBeNull();
    const survivor = publishing === 'payments' ? 'gateway-2' : 'gateway';
    const paying = payBoth(6, [survivor]);
    await new Promise((r) => setTimeout(r, 300));
    await sys.kill(publishing!);
    await paying;
    await until(
      async () => (await leader()) !== null && (await leader()) !== publishing,
      'another relay to lead',
      30_000,
    );
    await sys.start(publishing!);
    await payBoth(4);

    // The broker restarts (its stream is on disk) while payments go on.
    const during = payBoth(6);
    await new Promise((r) => setTimeout(r, 300));
    await nats.restart();
    await during;
    await payBoth(4);

    for (const s of subscribers) {
      const expected = (
        await sys.sql<{ seq: string }>(
          `select e.seq::text as seq from payments.payment_event e where e.tenant_id = $1 and e.seq >= $2 order by e.seq`,
          [s.partner, fromSeq(s)],
        )
      ).map((row) => Number(row.seq));
      await until(
        () => s.sub.lastSeq >= expected[expected.length - 1],
        `${s.partner}'s events on ${s.gateway}`,
        60_000,
      );
      expect({ who: `${s.partner} on ${s.gateway}`, errors: s.sub.errors, outOfOrder: s.sub.outOfOrder }).toEqual({
        who: `${s.partner} on ${s.gateway}`,
        errors: [],
        outOfOrder: 0,
      });
      expect(s.sub.events.filter((e) => e.seq >= fromSeq(s)).map((e) => e.seq)).toEqual(expected);
    }
    // The live events came through the broker on both replicas, and the relay that took over published.
    for (const name of ['payments', 'payments-2']) {
      expect(await serviceMetric(sys.services[name].port, 'payment_events_from_broker')).toBeGreaterThan(0);
    }
    const lead = (await leader())!;
    expect(await serviceMetric(sys.services[lead].port, 'payment_event_relay_leader')).toBe(1);
    expect(await serviceMetric(sys.services[lead].port, 'payment_event_relay_published')).toBeGreaterThan(0);
    for (const s of subscribers) await s.sub.close();
  }, 300_000);
});
