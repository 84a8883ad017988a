import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { type Logger, decrypt } from '@pos/kit';
import { isIP } from 'node:net';
import { Agent, errors as undiciErrors, request } from 'undici';
import { PaymentEvent } from '../payment-event/payment-event.entity';
import { webhookBody } from './webhook.body';
import {
  ATTEMPT_HEADER,
  DELIVERY_ID_HEADER,
  EVENT_ID_HEADER,
  EVENT_TYPE_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signatureHeader,
  standardWebhookHeaders,
} from './webhook.signature';
import { AddressNotAllowedError, guardedLookup, isPrivateAddress } from './webhook.url';
import { WebhookDeliveryStatus as DS, WebhookEndpoint, WebhookEndpointStatus } from './webhook.entity';

/** A delivery gets this many attempts per run; then it goes to the dead-letter queue (changelog v1.2). */
export const MAX_ATTEMPTS = 5;
/** The longest wait a receiver's Retry-After can ask for; beyond it we retry at this distance. */
const MAX_RETRY_AFTER_MS = 6 * 60 * 60_000;
/** A claim holds a delivery for the attempt's time-out plus this, then a dead worker's delivery is due again. */
const LEASE_MARGIN_MS = 5_000;

export interface DispatcherOptions {
  /** Attempts in flight at once per process. */
  concurrency: number;
  /** How often to look for due deliveries when nothing woke the dispatcher. */
  pollMs: number;
  /** A receiver must answer within this; otherwise the attempt failed (`timeout`). */
  timeoutMs: number;
  /** The first retry's delay; each next one is 4 times longer, with jitter. */
  retryBaseMs: number;
  /** Loopback and private receivers are reachable (development, tests); never in production. */
  allowPrivateUrls: boolean;
  /** Opens the sealed endpoint secrets. */
  secretKey: Buffer;
}

interface Claimed {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  event_id: string;
  event_seq: string;
  event_type: string;
  attempts: number;
}

type Outcome =
  | { kind: 'delivered'; statusCode: number }
  | { kind: 'gone'; statusCode: number }
  | { kind: 'failed'; statusCode: number | null; error: string; retryAfterMs: number | null };

/** The delay before attempt `attempt + 1`: base × 4^(attempt−1), half of it random ("equal jitter"). */
export function retryDelayMs(attempt: number, baseMs: number, random = Math.random): number {
  const full = baseMs * 4 ** (attempt - 1);
  return Math.round(full / 2 + random() * (full / 2));
}

/** A Retry-After header (seconds or an HTTP date) as a delay in ms, or null when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return null;
  if (/^\d{1,9}$/.test(text.trim())) return Math.min(Number(text.trim()) * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return null;
  return Math.min(Math.max(date - now, 0), MAX_RETRY_AFTER_MS);
}

/**
 * Delivers webhook deliveries: every payments process runs one. Deliveries are claimed with FOR UPDATE SKIP LOCKED
 * in a short transaction that counts the attempt and pushes `next_attempt_at` past the attempt's time-out (the
 * lease), so workers never take the same attempt and no transaction stays open across the HTTP call. The outcome
 * is recorded only if the delivery is still at that attempt: a worker that outlived its lease cannot overwrite the
 * attempt that replaced it. A worker that dies mid-attempt loses nothing; the delivery is simply due again when
 * its lease ends, and the receiver, who may then see the event id twice, deduplicates by it.
 */
export class WebhookDispatcher {
  private readonly agent: Agent;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly orm: MikroORM,
    private readonly logger: Logger,
    private readonly options: DispatcherOptions,
  ) {
    this.agent = new Agent({
      keepAliveTimeout: 10_000,
      connect: { timeout: options.timeoutMs, ...(options.allowPrivateUrls ? {} : { lookup: guardedLookup }) },
    });
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops claiming; waits for the attempts in flight to finish and be recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    await Promise.allSettled([...this.inFlight]);
    await this.agent.close();
  }

  /** Looks for due deliveries now (a new event committed). */
  wake(): void {
    if (this.stopped) return;
    if (this.ticking) this.again = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = (async () => {
      do {
        this.again = false;
        const room = this.options.concurrency - this.inFlight.size;
        if (room <= 0) break;
        try {
          const claimed = await this.claim(room);
          for (const delivery of claimed) this.track(this.attempt(delivery));
          if (claimed.length === room) this.again = true;
        } catch (error) {
          this.logger.error({ err: error }, 'claiming webhook deliveries failed');
        }
      } while (this.again && !this.stopped);
    })();
    await this.ticking;
    this.ticking = null;
    this.schedule(this.options.pollMs);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => {
      this.inFlight.delete(work);
      this.wake();
    });
  }

  private async claim(limit: number): Promise<Claimed[]> {
    const leaseSeconds = (this.options.timeoutMs + LEASE_MARGIN_MS) / 1000;
    return this.orm.em
      .fork()
      .getConnection()
      .execute<Claimed[]>(
        `with due as (
         select d.id from payments.webhook_delivery d
         join payments.webhook_endpoint e on e.id = d.endpoint_id and e.status = ?
         where d.status = ? and d.next_attempt_at <= now()
         order by d.next_attempt_at
         limit ?
         for update of d skip locked
       )
       update payments.webhook_delivery d
       set attempts = d.attempts + 1, last_attempt_at = now(), next_attempt_at = now() + make_interval(secs => ?)
       from due where d.id = due.id
       returning d.id, d.tenant_id, d.endpoint_id, d.event_id, d.event_seq::text as event_seq, d.event_type, d.attempts`,
        [WebhookEndpointStatus.ENABLED, DS.PENDING, limit, leaseSeconds],
      );
  }

  private async attempt(delivery: Claimed): Promise<void> {
    const em = this.orm.em.fork();
    try {
      if (delivery.attempts > MAX_ATTEMPTS) {
        // The last attempt's worker died before recording its outcome: that was the last attempt.
        await this.record(
          em,
          delivery,
          { kind: 'failed', statusCode: null, error: 'outcome_lost', retryAfterMs: null },
          0,
        );
        return;
      }
      const [endpoint, event] = await Promise.all([
        em.findOneOrFail(WebhookEndpoint, delivery.endpoint_id),
        em.findOneOrFail(PaymentEvent, { seq: delivery.event_seq }),
      ]);
      const started = Date.now();
      const outcome = await this.send(endpoint, event, delivery);
      await this.record(em, delivery, outcome, Date.now() - started);
    } catch (error) {
      // Recording failed (the database went away): the lease runs out and the delivery is attempted again.
      this.logger.error({ err: error, deliveryId: delivery.id }, 'webhook attempt not recorded');
    }
  }

  private async send(endpoint: WebhookEndpoint, event: PaymentEvent, delivery: Claimed): Promise<Outcome> {
    const url = new URL(endpoint.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // A literal IP never goes through the guarded lookup, so it is judged here.
    if (!this.options.allowPrivateUrls && isIP(host) && isPrivateAddress(host)) {
      return { kind: 'failed', statusCode: null, error: 'address_not_allowed', retryAfterMs: null };
    }
    let body: string;
    let headers: Record<string, string>;
    try {
      ({ body, headers } = this.signed(endpoint, event, delivery));
    } catch (error) {
      // A delivery that cannot be built (a secret that no longer opens) fails its attempts and ends in the
      // dead-letter queue, where an operator sees it, instead of being retried forever.
      this.logger.error({ err: error, deliveryId: delivery.id }, 'webhook delivery could not be built');
      return { kind: 'failed', statusCode: null, error: 'internal_error', retryAfterMs: null };
    }
    try {
      const response = await request(url, {
        method: 'POST',
        dispatcher: this.agent,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
        signal: AbortSignal.timeout(this.options.timeoutMs),
        headers,
        body,
      });
      // The answer's body is not ours to keep; reading it frees the connection for the next delivery.
      await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      const statusCode = response.statusCode;
      if (statusCode >= 200 && statusCode < 300) return { kind: 'delivered', statusCode };
      if (statusCode === 410) return { kind: 'gone', statusCode };
      return {
        kind: 'failed',
        statusCode,
        error: `http_${statusCode}`,
        retryAfterMs: parseRetryAfter(response.headers['retry-after']),
      };
    } catch (error) {
      return { kind: 'failed', statusCode: null, error: failureName(error), retryAfterMs: null };
    }
  }

  /** The body and headers of one attempt, signed with every secret that signs now. */
  private signed(endpoint: WebhookEndpoint, event: PaymentEvent, delivery: Claimed) {
    const now = Date.now();
    const secrets = [decrypt(endpoint.secretSealed, this.options.secretKey)];
    const previousValid = endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt.getTime() > now;
    if (endpoint.previousSecretSealed && previousValid) {
      secrets.push(decrypt(endpoint.previousSecretSealed, this.options.secretKey));
    }
    const body = JSON.stringify(webhookBody(event));
    const timestamp = Math.floor(now / 1000);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'tilt-webhooks/1',
      [EVENT_ID_HEADER]: event.eventId,
      [EVENT_TYPE_HEADER]: event.type,
      [TIMESTAMP_HEADER]: String(timestamp),
      [DELIVERY_ID_HEADER]: delivery.id,
      [ATTEMPT_HEADER]: String(delivery.attempts),
      [SIGNATURE_HEADER]: signatureHeader(secrets, event.eventId, timestamp, body),
      ...standardWebhookHeaders(secrets, event.eventId, timestamp, body),
    };
    return { body, headers };
  }

  /** Records an attempt's outcome, if the delivery is still at that attempt (see the class comment). */
  private async record(em: EntityManager, delivery: Claimed, outcome: Outcome, durationMs: number): Promise<void> {
    await em.transactional(async (tx) => {
      const current = `id = ? and attempts = ? and status = ?`;
      const at = [delivery.id, delivery.attempts, DS.PENDING];
      let updated: unknown[];
      if (outcome.kind === 'delivered') {
        updated = await tx.execute(
          `update payments.webhook_delivery set status = ?, delivered_at = now(), last_status_code = ?, last_error = null
           where ${current} returning id`,
          [DS.DELIVERED, outcome.statusCode, ...at],
        );
      } else if (outcome.kind === 'gone') {
        updated = await tx.execute(
          `update payments.webhook_delivery set status = ?, last_status_code = ?, last_error = 'gone' where ${current} returning id`,
          [DS.DEAD, outcome.statusCode, ...at],
        );
        if (updated.length) {
          // 410 Gone: the receiver says the endpoint no longer exists; stop sending to it until its owner says so.
          await tx.execute(
            `update payments.webhook_endpoint set status = ?, disabled_reason = 'gone', updated_at = now() where id = ?`,
            [WebhookEndpointStatus.DISABLED, delivery.endpoint_id],
          );
          this.logger.warn({ endpointId: delivery.endpoint_id }, 'webhook endpoint answered 410; disabled');
        }
      } else if (delivery.attempts >= MAX_ATTEMPTS) {
        updated = await tx.execute(
          `update payments.webhook_delivery set status = ?, last_status_code = ?, last_error = ? where ${current} returning id`,
          [DS.DEAD, outcome.statusCode, outcome.error, ...at],
        );
        if (updated.length)
          this.logger.warn({ deliveryId: delivery.id }, 'webhook delivery moved to the dead-letter queue');
      } else {
        const delay = outcome.retryAfterMs ?? retryDelayMs(delivery.attempts, this.options.retryBaseMs);
        updated = await tx.execute(
          `update payments.webhook_delivery
           set last_status_code = ?, last_error = ?, next_attempt_at = now() + make_interval(secs => ?)
           where ${current} returning id`,
          [outcome.statusCode, outcome.error, delay / 1000, ...at],
        );
      }
      if (!updated.length) return;
      await tx.execute(
        `insert into payments.webhook_attempt (delivery_id, attempt, status_code, error, duration_ms, attempted_at)
         values (?, ?, ?, ?, ?, now())`,
        [
          delivery.id,
          delivery.attempts,
          outcome.statusCode,
          outcome.kind === 'failed' ? outcome.error : null,
          Math.round(durationMs),
        ],
      );
    });
  }
}

/** A short, stable name for why an attempt got no answer; never the receiver's or the library's text. */
function failureName(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause;
  if (error instanceof AddressNotAllowedError || cause instanceof AddressNotAllowedError) return 'address_not_allowed';
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError ||
    (error as Error)?.name === 'TimeoutError' ||
    (error as Error)?.name === 'AbortError'
  ) {
    return 'timeout';
  }
  return 'connection_error';
}
