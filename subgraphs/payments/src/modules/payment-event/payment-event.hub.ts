import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { AsyncQueue, type Logger, type Principal } from '@pos/kit';
import { Client } from 'pg';
import { Payment } from '../payment/payment.entity';
import { PaymentEvent } from './payment-event.entity';
import { PAYMENT_EVENTS_CHANNEL } from './payment-event.outbox';

export interface PaymentEventFilter {
  types?: string[] | null;
  /** Only events of payments at these locations (a POS user is always limited to the locations of their roles). */
  locationIds?: number[] | null;
  /** Resume after this cursor (an event's seq): events the subscriber missed are replayed first. */
  after?: string | null;
}

const BATCH = 500;
/** A subscriber that falls this far behind is disconnected rather than let memory grow without bound. */
const MAX_BUFFERED = 10_000;

interface Subscriber {
  accepts(event: PaymentEvent): boolean;
  push(event: PaymentEvent): void;
}

/**
 * Fans committed outbox events out to this instance's subscriptions. One LISTEN connection per instance; a
 * notification only says "something new committed", and the hub then reads the outbox after the last seq it has
 * seen, so events are delivered in seq order, each once, even when notifications coalesce. Nothing here is needed
 * by another replica: every replica reads the same outbox.
 */
export class PaymentEventHub {
  private readonly subscribers = new Set<Subscriber>();
  private lastSeq = '0';
  private reading: Promise<void> | null = null;
  private again = false;
  private listener: Client | null = null;
  private closed = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly databaseUrl: string,
    private readonly logger: Logger,
  ) {}

  /** Subscriptions this instance is currently feeding. */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  async start(): Promise<void> {
    const [row] = await this.orm.em
      .fork()
      .getConnection()
      .execute<{ seq: string | null }[]>('select max(seq)::text as seq from payments.payment_event');
    this.lastSeq = row?.seq ?? '0';
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl });
    client.on('notification', () => this.poll());
    client.on('error', (error) => {
      this.logger.error({ err: error }, 'payment event listener lost its connection; reconnecting');
      this.listener = null;
      void client.end().catch(() => undefined);
      if (!this.closed) setTimeout(() => void this.connect().then(() => this.poll()), 1000).unref();
    });
    await client.connect();
    await client.query(`listen ${PAYMENT_EVENTS_CHANNEL}`);
    this.listener = client;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listener?.end().catch(() => undefined);
    await this.reading;
  }

  /** Reads everything committed after lastSeq; calls made while a read runs fold into one more read. */
  poll(): void {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        try {
          let batch: PaymentEvent[];
          do {
            batch = await readEvents(this.orm.em.fork(), { afterSeq: this.lastSeq });
            for (const event of batch) {
              this.lastSeq = event.seq;
              for (const subscriber of this.subscribers) {
                if (subscriber.accepts(event)) subscriber.push(event);
              }
            }
          } while (batch.length === BATCH);
        } catch (error) {
          this.logger.error({ err: error }, 'reading payment events failed');
        }
      } while (this.again && !this.closed);
      this.reading = null;
    })();
  }

  /** Events of the principal's tenant, replayed from `after` and then live, until the consumer stops. */
  subscribe(principal: Principal, filter: PaymentEventFilter, em: EntityManager): AsyncIterableIterator<PaymentEvent> {
    const types = filter.types?.length ? new Set(filter.types) : null;
    // The locations asked for, within those the caller may see (a POS user's roles); null: all of the tenant's.
    const allowed = principal.locationIds;
    const asked = filter.locationIds?.length
      ? filter.locationIds.filter((id) => !allowed || allowed.includes(id))
      : null;
    const scope = asked ?? allowed;
    const locations = scope ? new Set(scope) : null;
    const accepts = (event: PaymentEvent) =>
      event.tenantId === principal.tenantId &&
      (!types || types.has(event.type)) &&
      (!locations || (event.locationId !== null && locations.has(event.locationId)));
    const queue = new AsyncQueue<PaymentEvent>(MAX_BUFFERED, () => this.subscribers.delete(subscriber));
    const subscriber: Subscriber = { accepts, push: (event) => queue.push(event) };
    // Register before replaying, so nothing committed in between is missed; duplicates are skipped by seq below.
    this.subscribers.add(subscriber);
    const replay = filter.after
      ? readEvents(em, { afterSeq: filter.after, tenantId: principal.tenantId, upToSeq: this.lastSeq }).then((rows) =>
          queue.prepend(rows.filter(accepts)),
        )
      : Promise.resolve();
    let delivered = filter.after ? BigInt(filter.after) : -1n;
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next(): Promise<IteratorResult<PaymentEvent>> {
        await replay;
        for (;;) {
          const result = await queue.next();
          if (result.done || BigInt(result.value.seq) > delivered) {
            if (!result.done) delivered = BigInt(result.value.seq);
            return result;
          }
        }
      },
      return: () => queue.return(),
    };
  }
}

/** Outbox rows after a seq, in order, with their payments loaded in the same round trip count (two queries). */
async function readEvents(
  em: EntityManager,
  range: { afterSeq: string; upToSeq?: string; tenantId?: string },
): Promise<PaymentEvent[]> {
  const where: Record<string, unknown> = {
    seq: { $gt: range.afterSeq, ...(range.upToSeq ? { $lte: range.upToSeq } : {}) },
  };
  if (range.tenantId) where.tenantId = range.tenantId;
  const events = await em.find(PaymentEvent, where, { orderBy: { seq: 'asc' }, limit: BATCH });
  if (!events.length) return events;
  const payments = await em.find(Payment, { id: { $in: [...new Set(events.map((e) => e.paymentId))] } });
  const byId = new Map(payments.map((p) => [p.id, p]));
  for (const event of events) event.payment = byId.get(event.paymentId);
  return events;
}
