import type { PaymentsRuntime } from '../src/context';
import type { PaymentEvent } from '../src/modules/payment-event/payment-event.entity';
import { type PaymentsHarness, demo, startPayments } from './support';

/**
 * The event hub of a payments instance follows only the partners it has subscriptions of: with none open it reads
 * nothing at all, and a subscription opened later, live or resumed from a cursor, still misses nothing.
 */
describe('the payment event hub without subscriptions', () => {
  let h: PaymentsHarness;
  let hub: PaymentsRuntime['events'];

  beforeAll(async () => {
    h = await startPayments();
    hub = (h.payments.started.runtime as PaymentsRuntime).events;
  });
  afterAll(() => h?.close());

  const payOne = async (): Promise<string> => {
    const orderId = await h.createOrder({ totalMinor: 500 });
    const { body } = await h.pay({ orderId, amountMinor: 500 });
    expect(body.errors).toBeUndefined();
    return body.data!.createPayment.payment.id as string;
  };
  /** The seqs of the outbox, oldest first, after `after`. */
  const seqsAfter = async (after: string) =>
    (
      await h.sql(`select e.seq::text as seq from payments.payment_event e where e.seq > ? order by e.seq`, [after])
    ).map((row) => String(row.seq));
  const take = async (events: AsyncIterableIterator<PaymentEvent>, count: number) => {
    const taken: PaymentEvent[] = [];
    while (taken.length < count) taken.push((await events.next()).value as PaymentEvent);
    return taken;
  };

  it('reads nothing without subscriptions, and a subscription opened later replays and goes live', async () => {
    expect(hub.subscriberCount).toBe(0);
    const readBefore = hub.eventsRead;
    await payOne();
    const cursor = await hub.headCursor(demo);
    const missed = [await payOne(), await payOne()];
    // Longer than the interval the hub polls at (1 s by default): it still has read nothing, followed no partner.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(hub.eventsRead).toBe(readBefore);
    expect(hub.partnerCount).toBe(0);

    // Resumed from the cursor: the events committed since are replayed, in order; a fresh one starts from now.
    const resumed = hub.subscribe(demo, { after: cursor });
    const fresh = hub.subscribe(demo, {});
    const since = await seqsAfter(cursor);
    const replayed = await take(resumed, since.length);
    expect(replayed.map((e) => e.seq)).toEqual(since);
    expect(new Set(replayed.map((e) => e.paymentId))).toEqual(new Set(missed));

    const live = await payOne();
    const [liveEvent] = await take(resumed, 1);
    expect(liveEvent.paymentId).toBe(live);
    const [freshEvent] = await take(fresh, 1);
    expect(freshEvent.seq).toBe(liveEvent.seq);
    expect(hub.eventsRead).toBeGreaterThan(readBefore);
    await resumed.return?.();
    await fresh.return?.();
    expect(hub.partnerCount).toBe(0);
  });
});
