import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { AsyncQueue, ErrorCode, type Logger, PgListener, type Principal } from '@pos/kit';
import { GraphQLError } from 'graphql';
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

/**
 * The locations whose events a caller reads: those asked for, within those the caller may see (a POS user's roles);
 * null means every location of the tenant. Asking only for locations the caller may not see yields none.
 */
export function eventLocationScope(principal: Principal, asked?: number[] | null): number[] | null {
  const allowed = principal.locationIds;
  if (!asked?.length) return allowed;
  return asked.filter((id) => !allowed || allowed.includes(id));
}
/** A subscriber that falls this far behind is disconnected rather than let memory grow without bound. */
const MAX_BUFFERED = 10_000;

/**
 * Why a stream ended when the caller may simply resume it: `extensions.code` UNAVAILABLE tells the gateway (the
 * only caller of this subscription) to subscribe again with `after` set to the last cursor it received, which
 * loses nothing. Its subscriber fell behind (`subscriber_too_slow`), or the outbox could not be read.
 */
export const streamUnavailable = (reason: 'subscriber_too_slow' | 'events_unavailable') =>
  new GraphQLError(
    reason === 'subscriber_too_slow'
      ? 'Subscriber too slow: resume with after set to the last cursor received'
      : 'Payment events are unavailable for now: resume with after set to the last cursor received',
    { extensions: { code: ErrorCode.UNAVAILABLE, reason } },
  );

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
  /** Subscriptions ever opened here: tells a read of the position alone that one opened while it ran. */
  private opened = 0;
  private lastSeq = '0';
  private read = 0;
  private reading: Promise<void> | null = null;
  private again = false;
  private readonly listener: PgListener;
  private closed = false;
  /** Until the position is known, a notification would make the hub read the whole outbox from 0. */
  private started = false;

  constructor(
    private readonly orm: MikroORM,
    databaseUrl: string,
    private readonly logger: Logger,
  ) {
    // Once listening again after a drop, reads what committed meanwhile (nothing is lost: reads start after lastSeq).
    this.listener = new PgListener({
      databaseUrl,
      channel: PAYMENT_EVENTS_CHANNEL,
      logger,
      onNotification: () => this.poll(),
      onReconnected: () => this.poll(),
    });
  }

  /** Subscriptions this instance is currently feeding. */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** The seq of the newest event this instance has taken in (read, or passed over with no subscription open). */
  get position(): string {
    return this.lastSeq;
  }

  /** Events read from the outbox so far, live and replayed. */
  get eventsRead(): number {
    return this.read;
  }

  async start(): Promise<void> {
    // LISTEN first, then read the position, then read once more: an event that commits in between is read at once,
    // where the other order would leave it unread until some later event's notification.
    await this.listener.start();
    this.lastSeq = (await this.head()) ?? '0';
    this.started = true;
    this.poll();
  }

  /** The newest seq in the outbox, or of one tenant's events; null when there is none. */
  private async head(tenantId?: string): Promise<string | null> {
    const [row] = await this.orm.em
      .fork()
      .getConnection()
      .execute<{ seq: string | null }[]>(
        `select max(seq)::text as seq from payments.payment_event${tenantId ? ' where tenant_id = ?' : ''}`,
        tenantId ? [tenantId] : [],
      );
    return row?.seq ?? null;
  }

  /**
   * The cursor of the caller's newest event: `subscribe` with it as `after` delivers every event committed from
   * now on, so a caller can anchor a stream before its first event and resume it without a gap.
   */
  async headCursor(principal: Principal): Promise<string> {
    return (await this.head(principal.tenantId)) ?? '0';
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listener.close();
    await this.reading;
  }

  /** Reads everything committed after lastSeq; calls made while a read runs fold into one more read. */
  poll(): void {
    if (!this.started || this.closed) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        try {
          // No subscription open here: nothing needs the events, only the position moves (one max() instead of
          // reading and hydrating each event and its payment, about a tenth of this process's CPU per payment).
          // A subscription opened while it ran took the old position as where its live events start, so then the
          // events are read after all.
          if (this.subscribers.size === 0) {
            const opened = this.opened;
            const head = await this.head();
            if (this.opened === opened) {
              if (head !== null && BigInt(head) > BigInt(this.lastSeq)) this.lastSeq = head;
              continue;
            }
          }
          let batch: PaymentEvent[];
          do {
            batch = await readEvents(this.orm.em.fork(), { afterSeq: this.lastSeq });
            this.read += batch.length;
            for (const event of batch) {
              this.lastSeq = event.seq;
              for (const subscriber of this.subscribers) {
                if (subscriber.accepts(event)) subscriber.push(event);
              }
            }
          } while (batch.length === BATCH);
        } catch (error) {
          // Nothing is lost (the next read starts after lastSeq), but without a retry the events would wait for the
          // next notification, which may never come.
          this.logger.error({ err: error }, 'reading payment events failed; retrying');
          if (!this.closed) setTimeout(() => this.poll(), 1000).unref();
        }
      } while (this.again && !this.closed);
      this.reading = null;
    })();
  }

  /**
   * Events of the principal's tenant, replayed from `after` and then live, until the consumer stops.
   *
   * The subscriber is registered before anything is read, so an event committed while the replay runs reaches its
   * queue; the replay covers the outbox up to the hub's position at that moment, page by page and only as the
   * consumer asks (a long replay is never held in memory at once), and everything after that position comes live.
   * `delivered` drops any event at or before one already delivered: a cursor from another replica may be ahead of
   * this hub, whose live events up to that cursor the client has then seen.
   */
  subscribe(principal: Principal, filter: PaymentEventFilter): AsyncIterableIterator<PaymentEvent> {
    const types = filter.types?.length ? new Set(filter.types) : null;
    const scope = eventLocationScope(principal, filter.locationIds);
    const locations = scope ? new Set(scope) : null;
    const accepts = (event: PaymentEvent) =>
      event.tenantId === principal.tenantId &&
      (!types || types.has(event.type)) &&
      (!locations || (event.locationId !== null && locations.has(event.locationId)));
    const queue = new AsyncQueue<PaymentEvent>(
      MAX_BUFFERED,
      () => this.subscribers.delete(subscriber),
      () => streamUnavailable('subscriber_too_slow'),
    );
    const subscriber: Subscriber = { accepts, push: (event) => queue.push(event) };
    this.subscribers.add(subscriber);
    this.opened++;

    const replayTo = BigInt(this.lastSeq);
    let replayFrom = filter.after != null && BigInt(filter.after) < replayTo ? filter.after : null;
    let replayed: PaymentEvent[] = [];
    let delivered = filter.after != null ? BigInt(filter.after) : -1n;
    let ended = false;
    const readPage = async (afterSeq: string) => {
      try {
        const page = await readEvents(this.orm.em.fork(), {
          afterSeq,
          upToSeq: replayTo.toString(),
          tenantId: principal.tenantId,
        });
        this.read += page.length;
        return page;
      } catch (error) {
        this.logger.error({ err: error }, 'replaying payment events failed');
        ended = true;
        queue.close();
        throw streamUnavailable('events_unavailable');
      }
    };
    const end = (): IteratorResult<PaymentEvent> => {
      ended = true;
      replayed = [];
      queue.close();
      return { value: undefined, done: true };
    };
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next(): Promise<IteratorResult<PaymentEvent>> {
        for (;;) {
          if (ended) return { value: undefined, done: true };
          let event: PaymentEvent;
          if (replayed.length) {
            event = replayed.shift()!;
          } else if (replayFrom !== null) {
            const page = await readPage(replayFrom);
            replayFrom = page.length === BATCH ? page[page.length - 1].seq : null;
            // A consumer that returned while the page was read gets nothing more.
            if (!ended) replayed = page.filter(accepts);
            continue;
          } else {
            const result = await queue.next();
            if (result.done) return end();
            event = result.value;
          }
          if (BigInt(event.seq) > delivered) {
            delivered = BigInt(event.seq);
            return { value: event, done: false };
          }
        }
      },
      return: async () => end(),
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
