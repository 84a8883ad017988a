import {
  DeliverPolicy,
  type JetStreamClient,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { type NatsConnection, connect, headers } from '@nats-io/transport-node';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '@pos/kit';
import { Client } from 'pg';
import { PaymentEvent } from './payment-event.entity';
import { PAYMENT_EVENTS_CHANNEL } from './payment-event.outbox';

/*
 * Payment events through NATS JetStream (EVENTS_BROKER=nats): one relay per deployment publishes committed outbox
 * events, per partner in seq order, to a stream with a subject per partner and type; each payments replica's hub
 * consumes the stream instead of reading the outbox on every notification. The outbox stays the source of truth:
 * cursors are outbox positions, a replay is read from the outbox, and the hubs still read it on a slow interval, so
 * a relay or broker outage costs latency, never an event.
 */

/** The stream of every partner's payment events. */
export const EVENTS_STREAM = 'POS_EVENTS';
const SUBJECT_PREFIX = 'pos.events';
/** Within this window JetStream drops a second publish of one event id (a relay that died before saving its place). */
const DUPLICATE_WINDOW_NS = 2 * 60 * 1_000_000_000;
/** Events published between saving the relay's place: at most this many are published again after a takeover. */
const RELAY_BATCH = 500;

/**
 * The subject of a partner's event: `pos.events.<partner>.<type>` (type as stored, e.g. `payment.approved`). A
 * partner id is one subject token: characters NATS gives a meaning to (`.`, `*`, `>`, whitespace) are escaped.
 */
export function eventSubject(partner: string, type: string): string {
  return `${SUBJECT_PREFIX}.${subjectToken(partner)}.${type}`;
}

/** Every event of one partner. */
export const partnerSubjects = (partner: string) => `${SUBJECT_PREFIX}.${subjectToken(partner)}.>`;

const subjectToken = (value: string) =>
  value.replace(/[^A-Za-z0-9_-]/g, (c) => `~${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** What a published event carries: the outbox row (the payment itself is loaded where it is resolved). */
export interface EventMessage {
  seq: string;
  /**
   * The seq of the partner's event before this one (0 for its first): a hub delivers the event only when it has
   * delivered that one, and otherwise reads the outbox, so a message it never saw is never passed over.
   */
  prevSeq: string;
  eventId: string;
  tenantId: string;
  type: string;
  paymentId: string;
  paymentVersion: number;
  locationId: number | null;
  payloadVersion: number;
  payload: PaymentEvent['payload'];
  occurredAt: string;
}

const toMessage = (event: PaymentEvent, prevSeq: string): EventMessage => ({
  seq: event.seq,
  prevSeq,
  eventId: event.eventId,
  tenantId: event.tenantId,
  type: event.type,
  paymentId: event.paymentId,
  paymentVersion: event.paymentVersion,
  locationId: event.locationId,
  payloadVersion: event.payloadVersion,
  payload: event.payload,
  occurredAt: event.occurredAt.toISOString(),
});

export const eventOfMessage = ({ prevSeq: _, ...message }: EventMessage): PaymentEvent =>
  Object.assign(new PaymentEvent(), { ...message, occurredAt: new Date(message.occurredAt) });

/**
 * Creates the stream if it is missing (every relay and hub calls it; the same configuration each time), on
 * `replicas` servers of a NATS cluster (NATS_STREAM_REPLICAS: 3 on a three-server cluster survives one's loss).
 */
export async function ensureEventStream(nc: NatsConnection, replicas = 1): Promise<void> {
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(EVENTS_STREAM);
  } catch {
    await jsm.streams.add({
      name: EVENTS_STREAM,
      subjects: [`${SUBJECT_PREFIX}.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      duplicate_window: DUPLICATE_WINDOW_NS,
      num_replicas: replicas,
      // Consumers start at "now" or after the outbox: a day of events is plenty to ride out a relay catching up.
      max_age: 24 * 60 * 60 * 1_000_000_000,
    });
  }
}

export async function connectBroker(url: string, name: string): Promise<NatsConnection> {
  return connect({ servers: url, name, reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
}

export interface RelayOptions {
  databaseUrl: string;
  natsUrl: string;
  /** Servers the stream is kept on when the relay creates it. */
  streamReplicas?: number;
  logger: Logger;
  /** How often the relay looks for events without a notification. */
  pollMs: number;
}

/**
 * Publishes committed outbox events to JetStream, one relay active per deployment: every payments replica runs one,
 * and the one that holds a PostgreSQL session advisory lock publishes; when its process or connection dies the lock
 * goes with it and another replica's relay takes over within a second.
 *
 * Per partner, events are read after the relay's saved place (`event_relay_position`) in seq order and published one
 * after another, each acknowledged before the next, so the stream holds each partner's events in order. The place is
 * saved after each batch; a relay that dies before saving it leaves the next one to publish those events again, which
 * JetStream drops as duplicates (the event id is the message id) within its two-minute window.
 */
export class PaymentEventRelay {
  private lockClient: Client | null = null;
  private nc: NatsConnection | null = null;
  private js: JetStreamClient | null = null;
  private closed = false;
  private leading = false;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private listener: Client | null = null;
  private published = 0;

  constructor(
    private readonly orm: MikroORM,
    private readonly options: RelayOptions,
  ) {}

  /** Whether this replica's relay is the one publishing. */
  get isLeader(): boolean {
    return this.leading;
  }

  /** Events this relay has published (acknowledged by the stream, duplicates included). */
  get publishedCount(): number {
    return this.published;
  }

  start(): void {
    this.running = this.run();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      try {
        if (await this.acquire()) await this.lead();
      } catch (error) {
        if (!this.closed) this.options.logger.warn({ err: error }, 'payment event relay stopped; trying again');
      } finally {
        await this.release();
      }
      if (!this.closed) await this.sleep(1_000);
    }
  }

  /** Tries the relay's lock on a connection of its own, held for as long as this relay leads. */
  private async acquire(): Promise<boolean> {
    // Named with this process's id, so an operator (or a test) can see which process holds the relay's lock.
    const client = new Client({
      connectionString: this.options.databaseUrl,
      connectionTimeoutMillis: 5_000,
      application_name: `payments-event-relay:${process.pid}`,
    });
    client.on('error', () => undefined);
    await client.connect();
    this.lockClient = client;
    const { rows } = await client.query<{ locked: boolean }>(
      `select pg_try_advisory_lock(hashtext('payments.event_relay')) as locked`,
    );
    return rows[0].locked;
  }

  private async release(): Promise<void> {
    this.leading = false;
    const clients = [this.lockClient, this.listener];
    this.lockClient = null;
    this.listener = null;
    for (const client of clients) await client?.end().catch(() => undefined);
    const nc = this.nc;
    this.nc = null;
    this.js = null;
    await nc?.drain().catch(() => undefined);
  }

  private async lead(): Promise<void> {
    const { logger, natsUrl, databaseUrl, pollMs } = this.options;
    // Set from the connections' callbacks: the lock (or the wake-up) is gone, and this relay must stop leading.
    const state: { lost: Error | null } = { lost: null };
    const lose = (error: Error) => {
      state.lost ??= error;
      this.wake?.();
    };
    this.lockClient!.on('error', lose);
    this.lockClient!.on('end', () => lose(new Error('the relay lock connection ended')));
    this.nc = await connectBroker(natsUrl, 'payments-event-relay');
    await ensureEventStream(this.nc, this.options.streamReplicas);
    this.js = jetstream(this.nc);
    // Woken by the outbox's notifications; also on an interval, so a lost one costs latency only.
    const listener = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
    this.listener = listener;
    listener.on('error', lose);
    listener.on('notification', () => this.wake?.());
    await listener.connect();
    await listener.query(`listen ${PAYMENT_EVENTS_CHANNEL}`);
    this.leading = true;
    logger.info('payment event relay leading: publishing outbox events to NATS JetStream');
    while (!this.closed && !state.lost) {
      const published = await this.publishBatch();
      if (published < RELAY_BATCH && !this.closed && !state.lost) await this.sleep(pollMs);
    }
    if (state.lost && !this.closed) throw state.lost;
  }

  /** Publishes what each partner has after the relay's place, saving the new places; the number published. */
  private async publishBatch(): Promise<number> {
    const em = this.orm.em.fork();
    // Each partner's events after the relay's place, with the one before each (the place, for the first).
    const events = await em.getConnection().execute<Record<string, unknown>[]>(
      `select e.*, coalesce(e.prev_in_batch, r.seq, 0)::text as prev_seq
       from payments.partner_event_head h
         left join payments.event_relay_position r on r.tenant_id = h.tenant_id
         join lateral (
           select x.*, lag(x.seq) over (order by x.seq) as prev_in_batch
           from (
             select * from payments.payment_event e
             where e.tenant_id = h.tenant_id and e.seq > coalesce(r.seq, 0)
             order by e.seq limit ?
           ) x
         ) e on true
       order by e.seq limit ?`,
      [RELAY_BATCH, RELAY_BATCH],
    );
    if (!events.length) return 0;
    const places = new Map<string, string>();
    for (const { prev_seq: prevSeq, prev_in_batch: _, ...row } of events) {
      const event = em.map(PaymentEvent, row);
      const body = JSON.stringify(toMessage(event, String(prevSeq)));
      const h = headers();
      h.set('Pos-Seq', event.seq);
      await this.js!.publish(eventSubject(event.tenantId, event.type), body, { msgID: event.eventId, headers: h });
      this.published++;
      places.set(event.tenantId, event.seq);
    }
    await em.getConnection().execute(
      `insert into payments.event_relay_position (tenant_id, seq)
       select p.tenant_id, p.seq::bigint from json_to_recordset(?::json) as p(tenant_id text, seq text)
       on conflict (tenant_id) do update set seq = greatest(event_relay_position.seq, excluded.seq)`,
      [JSON.stringify([...places].map(([tenant_id, seq]) => ({ tenant_id, seq })))],
    );
    return events.length;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/**
 * The stream of every partner's events as this hub's source of live events (EVENTS_BROKER=nats): an ordered
 * consumer from "now", which recreates itself at the right place after a broker restart or a reconnect. It hands
 * each event to `onEvent`; the hub keeps only those after its position for the partner.
 */
export class BrokerFeed {
  private nc: NatsConnection | null = null;
  private closed = false;
  private running: Promise<void> | null = null;
  private received = 0;

  constructor(
    private readonly options: { natsUrl: string; logger: Logger; streamReplicas?: number },
    private readonly onEvent: (event: PaymentEvent, prevSeq: string) => void,
  ) {}

  /** Events received from the broker so far. */
  get eventsReceived(): number {
    return this.received;
  }

  start(): void {
    this.running = this.run();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.nc?.drain().catch(() => undefined);
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      try {
        this.nc = await connectBroker(this.options.natsUrl, 'payments-event-hub');
        await ensureEventStream(this.nc, this.options.streamReplicas);
        const consumer = await jetstream(this.nc).consumers.get(EVENTS_STREAM, {
          filter_subjects: `${SUBJECT_PREFIX}.>`,
          deliver_policy: DeliverPolicy.New,
        });
        const messages = await consumer.consume();
        for await (const message of messages) {
          this.received++;
          const body = message.json<EventMessage>();
          this.onEvent(eventOfMessage(body), body.prevSeq);
        }
      } catch (error) {
        if (!this.closed) this.options.logger.warn({ err: error }, 'reading payment events from NATS failed; again');
      }
      if (!this.closed) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}
