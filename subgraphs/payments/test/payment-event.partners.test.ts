import fc from 'fast-check';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Principal } from '@pos/kit';
import type { PaymentsRuntime } from '../src/context';
import { recordPaymentEvent } from '../src/modules/payment-event/payment-event.outbox';
import { Payment } from '../src/modules/payment/payment.entity';
import { type PaymentsHarness, demo, startPayments } from './support';

/**
 * Interleaved commits and aborts of several partners' event-writing transactions, with subscriptions opened at any
 * point from any earlier cursor of their partner: no subscriber ever skips or repeats an event, and each gets its
 * partner's committed events in seq order. The writers of one partner queue on that partner's lock; those of
 * different partners run side by side, so a partner's event can commit with a lower seq than another partner's
 * that a reader has already read: only a read position per partner sees it.
 */
const PARTNERS = ['fuzz-a', 'fuzz-b', 'fuzz-c'] as const;
type Partner = (typeof PARTNERS)[number];
// Partners of their own, so that no other test's events are in their streams.
const principalOf = (partner: Partner): Principal => ({
  ...demo,
  tenantId: partner,
  subject: `${partner}-partner`,
  clientId: `${partner}-partner`,
});
const RUNS = Math.max(1, Number(process.env.FC_RUNS ?? 40));

type Action =
  | { kind: 'open'; partner: Partner }
  | { kind: 'finish'; partner: Partner; commit: boolean }
  | { kind: 'subscribe'; partner: Partner; from: number }
  | { kind: 'pause' };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('open' as const), partner: fc.constantFrom(...PARTNERS) }),
  fc.record({ kind: fc.constant('finish' as const), partner: fc.constantFrom(...PARTNERS), commit: fc.boolean() }),
  // `from` picks one of the partner's cursors so far (0 = its newest: a stream anchored now).
  fc.record({ kind: fc.constant('subscribe' as const), partner: fc.constantFrom(...PARTNERS), from: fc.nat(5) }),
  // Time for the hubs to read what has committed so far, before the next step.
  fc.constant({ kind: 'pause' as const }),
);

class Aborted extends Error {}

describe('payment events of several partners, committed and aborted in any interleaving', () => {
  let h: PaymentsHarness;
  let orm: MikroORM;
  let hub: PaymentsRuntime['events'];

  beforeAll(async () => {
    h = await startPayments();
    orm = h.payments.started.orm;
    hub = (h.payments.started.runtime as PaymentsRuntime).events;
  });
  afterAll(() => h?.close());

  /** A partner's transaction that has written its event and waits to be told to commit or abort. */
  async function openWriter(partner: Partner) {
    let decide!: (commit: boolean) => void;
    const decided = new Promise<boolean>((resolve) => (decide = resolve));
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => (written = resolve));
    const done = orm.em
      .fork()
      .transactional(async (tx) => {
        const payment = new Payment();
        Object.assign(payment, { tenantId: partner, locationId: 1, amountCents: 100, currency: 'USD' });
        tx.persist(payment);
        await tx.flush();
        await recordPaymentEvent(tx, payment, 'payment.approved');
        written();
        if (!(await decided)) throw new Aborted();
      })
      .catch((error: unknown) => {
        if (!(error instanceof Aborted)) throw error;
      });
    await Promise.race([wrote, done]);
    return { decide, done };
  }

  /** Consumes a subscription in the background into `seqs`. */
  function consume(partner: Partner, after: string) {
    const stream = hub.subscribe(principalOf(partner), { after });
    const seqs: string[] = [];
    const running = (async () => {
      for (;;) {
        const next = await stream.next();
        if (next.done) return;
        seqs.push(next.value.seq);
      }
    })();
    return { partner, after, seqs, stop: async () => (await stream.return?.(), await running) };
  }

  const committedSeqs = async (partner: Partner, after: string) =>
    (
      await h.sql<{ seq: string }>(
        // Ordered by the number, not by the text the alias is.
        'select e.seq::text as seq from payments.payment_event e where e.tenant_id = ? and e.seq > ? order by e.seq',
        [partner, after],
      )
    ).map((row) => row.seq);

  it('delivers each committed event to every subscriber of its partner exactly once, in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 30 }), async (actions) => {
        const open = new Map<Partner, Awaited<ReturnType<typeof openWriter>>>();
        const cursors = new Map<Partner, string[]>(PARTNERS.map((p) => [p, []]));
        const subscribers: Array<ReturnType<typeof consume>> = [];
        for (const step of actions) {
          if (step.kind === 'open' && !open.has(step.partner)) {
            open.set(step.partner, await openWriter(step.partner));
          } else if (step.kind === 'finish' && open.has(step.partner)) {
            const writer = open.get(step.partner)!;
            open.delete(step.partner);
            writer.decide(step.commit);
            await writer.done;
            cursors.get(step.partner)!.push(await hub.headCursor(principalOf(step.partner)));
          } else if (step.kind === 'subscribe') {
            const known = cursors.get(step.partner)!;
            const after =
              step.from === 0 || known.length === 0
                ? await hub.headCursor(principalOf(step.partner))
                : known[Math.max(0, known.length - step.from)];
            subscribers.push(consume(step.partner, after));
          } else if (step.kind === 'pause') {
            await new Promise((r) => setTimeout(r, 30));
          }
        }
        for (const writer of open.values()) {
          writer.decide(true);
          await writer.done;
        }
        try {
          for (const s of subscribers) {
            const expected = await committedSeqs(s.partner, s.after);
            const deadline = Date.now() + 3_000;
            while (s.seqs.length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
            // A little longer, for an event that would arrive twice.
            await new Promise((r) => setTimeout(r, 20));
            expect(s.seqs).toEqual(expected);
          }
        } finally {
          for (const s of subscribers) await s.stop();
        }
      }),
      // The first failing interleaving is the report: shrinking would wait out each wrong run's deadline again.
      { numRuns: RUNS, endOnFailure: true },
    );
    expect(hub.partnerCount).toBe(0);
  }, 120_000);
});
