import { randomUUID } from 'node:crypto';
import type { Logger } from '@pos/kit';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { SubscriptionSink } from '../operations';
import { SSE_TRANSPORT, formatted, sseComplete, sseNext } from './framing';
import type { ReservedEventStream } from './streams';

export interface ReservationLimits {
  /** How long a reservation waits for its stream (GET) before it is dropped. */
  ttlMs: number;
  /** Reservations one caller may hold at once, and this gateway in all. */
  maxPerCaller: number;
  max: number;
  /** Bytes of messages a reservation may hold for a stream that has not connected yet. */
  maxBufferedBytes: number;
}

/**
 * graphql-sse's single connection mode: a reservation (PUT) its owner connects one event stream to (GET) and
 * starts operations on (POST, `x-graphql-event-stream-token`), each message carrying its operation id.
 */
export class Reservation {
  stream: ReservedEventStream | null = null;
  /** What operations sent before the stream connected, flushed when it does. */
  pending: string[] = [];
  pendingBytes = 0;
  readonly operations = new Map<string, OperationOnStream>();
  ended = false;
  expiry: NodeJS.Timeout | null;

  constructor(
    readonly token: string,
    readonly owner: string,
    private readonly registry: Reservations,
    ttlMs: number,
  ) {
    this.expiry = setTimeout(() => {
      this.expiry = null;
      if (!this.stream) this.end();
    }, ttlMs);
    this.expiry.unref();
  }

  send(message: string): void {
    if (this.ended) return;
    if (this.stream) {
      this.stream.write(message);
      return;
    }
    this.pending.push(message);
    this.pendingBytes += Buffer.byteLength(message);
    if (this.pendingBytes > this.registry.limits.maxBufferedBytes) {
      this.registry.logger.warn(
        { bufferedBytes: this.pendingBytes, transport: SSE_TRANSPORT },
        'dropping a graphql-sse reservation whose stream does not connect',
      );
      this.end();
    }
  }

  connect(stream: ReservedEventStream): void {
    this.stream = stream;
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = null;
    const pending = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const message of pending) stream.write(message);
    stream.whenEnded(() => this.end());
  }

  /** Idempotent: the stream went away, or never came. Its operations stop and its token is no longer valid. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = null;
    this.registry.forget(this);
    this.pending = [];
    const operations = [...this.operations.values()];
    this.operations.clear();
    for (const operation of operations) operation.stop();
    const stream = this.stream;
    this.stream = null;
    if (stream && !stream.ended) stream.finish('');
  }
}

/** One operation of a reservation: its messages carry its id. */
export class OperationOnStream implements SubscriptionSink {
  ended = false;
  private stopUpstream: (() => void) | null = null;

  constructor(
    private readonly reservation: Reservation,
    readonly id: string,
  ) {}

  started(stop: () => void): void {
    if (this.ended) stop();
    else this.stopUpstream = stop;
  }

  next(resultJson: string): void {
    if (this.ended) return;
    this.reservation.send(sseNext(`{"id":${JSON.stringify(this.id)},"payload":${resultJson}}`));
  }

  error(errors: ReadonlyArray<GraphQLError | GraphQLFormattedError>): void {
    this.next(JSON.stringify({ errors: errors.map(formatted) }));
    this.complete();
  }

  complete(): void {
    if (this.ended) return;
    this.reservation.send(sseComplete(`{"id":${JSON.stringify(this.id)}}`));
    this.stop();
  }

  /** Idempotent: the client completed it, the reservation ended, or it completed. */
  stop(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.reservation.operations.get(this.id) === this) this.reservation.operations.delete(this.id);
    const stop = this.stopUpstream;
    this.stopUpstream = null;
    stop?.();
  }
}

/**
 * The reservations of this process, by token and counted by owner (a caller scope). A reservation lives in this
 * process only, so the single connection mode needs sticky routing across replicas.
 */
export class Reservations {
  private readonly byToken = new Map<string, Reservation>();
  private readonly byOwner = new Map<string, number>();

  constructor(
    readonly limits: ReservationLimits,
    readonly logger: Logger,
  ) {}

  get size(): number {
    return this.byToken.size;
  }

  /** A new reservation for `owner`, or the error refusing it (over a limit). */
  reserve(owner: string): Reservation | GraphQLError {
    const { maxPerCaller, max, ttlMs } = this.limits;
    const held = this.byOwner.get(owner) ?? 0;
    if (held >= maxPerCaller || this.byToken.size >= max) {
      return new GraphQLError(
        held >= maxPerCaller
          ? `Too many event stream reservations: at most ${maxPerCaller} per caller`
          : 'Too many event stream reservations on this gateway: retry later',
        { extensions: { code: 'RATE_LIMITED', reason: 'event_stream_reservations', retryAfterSeconds: 1 } },
      );
    }
    const reservation = new Reservation(randomUUID(), owner, this, ttlMs);
    this.byToken.set(reservation.token, reservation);
    this.byOwner.set(owner, held + 1);
    return reservation;
  }

  /** The owner's reservation of a token: another owner's is as unknown as a made-up one. */
  find(token: string, owner: string): Reservation | undefined {
    const reservation = this.byToken.get(token);
    return reservation?.owner === owner ? reservation : undefined;
  }

  forget(reservation: Reservation): void {
    if (this.byToken.get(reservation.token) !== reservation) return;
    this.byToken.delete(reservation.token);
    const held = (this.byOwner.get(reservation.owner) ?? 1) - 1;
    if (held > 0) this.byOwner.set(reservation.owner, held);
    else this.byOwner.delete(reservation.owner);
  }

  /** Ends every reservation (the gateway is stopping). */
  close(): void {
    for (const reservation of [...this.byToken.values()]) reservation.end();
  }
}
