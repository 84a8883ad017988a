import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { AsyncQueue, ErrorCode, type Logger, PgListener, type Principal } from '@pos/kit';
import { GraphQLError } from 'graphql';
import { Payment } from '../payment/payment.entity';
import { PaymentEvent } from './payment-event.entity';
import { BrokerFeed } from './payment-event.broker';
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

/** What this instance follows of one partner: its subscriptions here, and how far it has read the partner's events. */
interface PartnerFeed {
  subscribers: Set<Subscriber>;
  /** The seq of the partner's newest event taken in; null until the partner's head has been read. */
  position: bigint | null;
  /** The position the feed started from, once read. */
  started: Promise<bigint>;
}

export interface PaymentEventHubOptions {
  databaseUrl: string;
  logger: Logger;
  /** How often the partners followed here are read without a notification (a lost one costs this much latency). */
  pollMs: number;
  /**
   * NATS JetStream as the source of live events (EVENTS_BROKER=nats) instead of a read of the outbox per
   * notification; the outbox is still read every `pollMs`, and whenever the broker skipped a partner's event.
   */
  natsUrl?: string;
  /** Servers the stream is kept on, when this hub is the first to create it. */
  natsStreamReplicas?: number;
}

/**
 * Fans committed outbox events out to this instance's subscriptions, partner by partner. Events are ordered per
 * partner only (recordPaymentEvent), so the hub keeps a read position per partner it has subscriptions of, and reads
 * each partner's events after its own position: a partner whose transaction is still open holds back nobody else,
 * and its event, numbered before others that committed first, is still read once it commits.
 *
 * One LISTEN connection per instance; a notification (sent after a commit, naming the partner) only says "something
 * new committed", and the hub also reads on a short interval, so a lost notification costs latency, never an event.
 * A partner without subscriptions here costs nothing: it is not followed. Nothing here is needed by another replica:
 * every replica reads the same outbox.
 */
export class PaymentEventHub {
  private readonly feeds = new Map<string, PartnerFeed>();
  private read = 0;
  private gaps = 0;
  private reading: Promise<void> | null = null;
  private again = false;
  private readonly listener: PgListener | null = null;
  private readonly broker: BrokerFeed | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly logger: Logger;

  constructor(
    private readonly orm: MikroORM,
    private readonly options: PaymentEventHubOptions,
  ) {
    this.logger = options.logger;
    if (options.natsUrl) {
      const feed = { natsUrl: options.natsUrl, logger: options.logger, streamReplicas: options.natsStreamReplicas };
      this.broker = new BrokerFeed(feed, (event, prevSeq) => this.deliverFromBroker(event, prevSeq));
      return;
    }
    // Once listening again after a drop, reads what committed meanwhile (nothing is lost: reads start after each
    // partner's position).
    this.listener = new PgListener({
      databaseUrl: options.databaseUrl,
      channel: PAYMENT_EVENTS_CHANNEL,
      logger: options.logger,
      onNotification: (partner) => {
        if (this.feeds.has(partner)) this.poll();
      },
      onReconnected: () => this.poll(),
    });
  }

  /** Subscriptions this instance is currently feeding. */
  get subscriberCount(): number {
    let count = 0;
    for (const feed of this.feeds.values()) count += feed.subscribers.size;
    return count;
  }

  /** Partners this instance follows (has subscriptions of). */
  get partnerCount(): number {
    return this.feeds.size;
  }

  /** Events read from the outbox so far, live and replayed. */
  get eventsRead(): number {
    return this.read;
  }

  /** Broker messages that were not the next of their partner here, each sending the hub to the outbox instead. */
  get brokerGaps(): number {
    return this.gaps;
  }

  /** Events taken from the broker (EVENTS_BROKER=nats), as against those read from the outbox (`eventsRead`). */
  get eventsFromBroker(): number {
    return this.broker?.eventsReceived ?? 0;
  }

  async start(): Promise<void> {
    await this.listener?.start();
    this.broker?.start();
    this.timer = setInterval(() => this.poll(), this.options.pollMs);
    this.timer.unref();
  }

  /** The newest seq of one tenant's events; null when there is none. */
  private async head(tenantId: string): Promise<string | null> {
    const [row] = await this.orm.em
      .fork()
      .getConnection()
      .execute<{ seq: string | null }[]>(
        `select max(seq)::text as seq from payments.payment_event where tenant_id = ?`,
        [tenantId],
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
    if (this.timer) clearInterval(this.timer);
    await this.listener?.close();
    await this.broker?.close();
    await this.reading;
  }

  /**
   * The partner's feed, followed from its newest event if it was not followed yet. Its live events start after that
   * position; a subscription that needs older ones replays them.
   */
  private follow(tenantId: string): PartnerFeed {
    const existing = this.feeds.get(tenantId);
    if (existing) return existing;
    const feed: PartnerFeed = { subscribers: new Set(), position: null, started: Promise.resolve(0n) };
    feed.started = this.head(tenantId).then(
      (head) => {
        feed.position = BigInt(head ?? '0');
        // What committed after the head was read is read now, not at the next notification.
        this.poll();
        return feed.position;
      },
      (error: unknown) => {
        // Its subscriptions end as unavailable (they resume); the next subscription follows the partner afresh.
        if (this.feeds.get(tenantId) === feed) this.feeds.delete(tenantId);
        throw error;
      },
    );
    // Awaited by the subscriptions that need it; one that left before would leave the failure unhandled.
    feed.started.catch(() => undefined);
    this.feeds.set(tenantId, feed);
    return feed;
  }

  private unfollow(tenantId: string, feed: PartnerFeed, subscriber: Subscriber): void {
    feed.subscribers.delete(subscriber);
    if (feed.subscribers.size === 0 && this.feeds.get(tenantId) === feed) this.feeds.delete(tenantId);
  }

  /**
   * An event from the broker: delivered when it is the next of a followed partner (its predecessor is where the
   * partner's feed is), dropped when it is already delivered, and otherwise (the feed missed the one before it: the
   * broker connection was recreated, the relay lags) the outbox is read instead, which delivers it in order.
   */
  private deliverFromBroker(event: PaymentEvent, prevSeq: string): void {
    const feed = this.feeds.get(event.tenantId);
    if (!feed || feed.position === null) return;
    const seq = BigInt(event.seq);
    if (seq <= feed.position) return;
    if (BigInt(prevSeq) !== feed.position) {
      this.gaps++;
      this.poll();
      return;
    }
    feed.position = seq;
    for (const subscriber of feed.subscribers) {
      if (subscriber.accepts(event)) subscriber.push(event);
    }
  }

  /** Reads every followed partner's events after its position; calls made while a read runs fold into one more. */
  poll(): void {
    if (this.closed) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    // Cleared in `finally`, which runs after the assignment even when a read with nothing to do ends at once.
    this.reading = (async () => {
      do {
        this.again = false;
        try {
          let batch: PaymentEvent[] = [];
          do {
            const positions = new Map<string, bigint>();
            for (const [tenantId, feed] of this.feeds)
              if (feed.position !== null) positions.set(tenantId, feed.position);
            if (positions.size === 0) break;
            batch = await readEvents(this.orm.em.fork(), { after: positions });
            this.read += batch.length;
            for (const event of batch) {
              const feed = this.feeds.get(event.tenantId);
              const seq = BigInt(event.seq);
              if (!feed || feed.position === null || seq <= feed.position) continue;
              feed.position = seq;
              for (const subscriber of feed.subscribers) {
                if (subscriber.accepts(event)) subscriber.push(event);
              }
            }
          } while (batch.length === BATCH);
        } catch (error) {
          // Nothing is lost (the next read starts after each position); the interval reads again.
          this.logger.error({ err: error }, 'reading payment events failed; retrying');
        }
      } while (this.again && !this.closed);
    })().finally(() => {
      this.reading = null;
    });
  }

  /**
   * Events of the principal's tenant, replayed from `after` and then live, until the consumer stops.
   *
   * The subscriber is registered before anything is read, so an event committed while the replay runs reaches its
   * queue; the replay covers the partner's events up to the feed's position at that moment, page by page and only as the
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
    const feed = this.follow(principal.tenantId);
    const queue = new AsyncQueue<PaymentEvent>(
      MAX_BUFFERED,
      () => this.unfollow(principal.tenantId, feed, subscriber),
      () => streamUnavailable('subscriber_too_slow'),
    );
    const subscriber: Subscriber = { accepts, push: (event) => queue.push(event) };
    feed.subscribers.add(subscriber);

    // Live events are those after the feed's position now (or, for a feed that is starting, after the head it
    // starts from); what the cursor missed before that is replayed.
    const live = feed.position !== null ? Promise.resolve(feed.position) : feed.started;
    let replayTo: bigint | null = null;
    let replayFrom: string | null = null;
    let replayed: PaymentEvent[] = [];
    let delivered = filter.after != null ? BigInt(filter.after) : -1n;
    let ended = false;
    const unavailable = (error: unknown, what: string) => {
      this.logger.error({ err: error }, what);
      ended = true;
      queue.close();
      return streamUnavailable('events_unavailable');
    };
    const readPage = async (afterSeq: string) => {
      try {
        const page = await readEvents(this.orm.em.fork(), {
          after: new Map([[principal.tenantId, BigInt(afterSeq)]]),
          upToSeq: replayTo!,
        });
        this.read += page.length;
        return page;
      } catch (error) {
        throw unavailable(error, 'replaying payment events failed');
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
        if (replayTo === null && !ended) {
          try {
            replayTo = await live;
          } catch (error) {
            throw unavailable(error, 'reading where payment events start failed');
          }
          if (filter.after != null && BigInt(filter.after) < replayTo) replayFrom = filter.after;
        }
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

/**
 * Outbox rows of each partner after that partner's position (up to `upToSeq`), in seq order, with their payments
 * loaded in the same round trip count (two queries).
 */
async function readEvents(
  em: EntityManager,
  range: { after: Map<string, bigint>; upToSeq?: bigint },
): Promise<PaymentEvent[]> {
  const upTo = range.upToSeq === undefined ? {} : { $lte: range.upToSeq.toString() };
  const where = {
    $or: [...range.after].map(([tenantId, seq]) => ({ tenantId, seq: { $gt: seq.toString(), ...upTo } })),
  };
  const events = await em.find(PaymentEvent, where, { orderBy: { seq: 'asc' }, limit: BATCH });
  if (!events.length) return events;
  const payments = await em.find(Payment, { id: { $in: [...new Set(events.map((e) => e.paymentId))] } });
  const byId = new Map(payments.map((p) => [p.id, p]));
  for (const event of events) event.payment = byId.get(event.paymentId);
  return events;
}
