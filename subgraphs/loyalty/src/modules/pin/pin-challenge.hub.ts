import { AsyncQueue, type Clock, ErrorCode, type Logger, PgListener } from '@pos/kit';
import { GraphQLError } from 'graphql';
import type { LoyaltyAction } from './pin-challenge.entity';

/** Notified (from the writing transaction, so only once it commits) whenever a customer's PIN challenges change. */
export const PIN_CHALLENGES_CHANNEL = 'loyalty_pin_challenges';

/** The notification's payload: whose challenges changed. Nothing secret: the PIN itself is read by the hub. */
export interface PinChallengesChanged {
  tenantId: string;
  customerId: string;
}

/** A PIN the customer's dashboard shows while its challenge is open. */
export interface PendingPin {
  challengeId: string;
  action: LoyaltyAction;
  pin: string;
  expiresAt: Date;
  orgName: string;
}

/** A customer's PIN state as their dashboard shows it: what each subscription event carries, whole. */
export interface PinChallengeState {
  pendingPins: PendingPin[];
  pinLockedUntil: Date | null;
}

/** A page holds one or two of these per customer; a subscriber this far behind is not reading at all. */
const MAX_BUFFERED = 100;

/** Expiry timers fire this much after the moment, so that the read sees the challenge as expired. */
const EXPIRY_MARGIN_MS = 50;

/** setTimeout's longest delay; a later expiry is re-armed when that timer fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Why a stream ended when the client should simply subscribe again (and read the dashboard again meanwhile). */
const tooSlow = () =>
  new GraphQLError('Subscriber too slow: subscribe again and read loyaltyDashboard', {
    extensions: { code: ErrorCode.UNAVAILABLE, reason: 'subscriber_too_slow' },
  });

interface Subscriber {
  push(state: PinChallengeState): void;
}

/** The subscriptions of one customer, and what this instance last told them. */
interface Watched {
  subscribers: Set<Subscriber>;
  /** Subscribers that have not had a state yet: they get the next one read, changed or not. */
  fresh: Set<Subscriber>;
  /** The last state sent (as stateKey), so a change nobody can see (a wrong PIN with attempts left) sends nothing. */
  last: string | null;
  reading: boolean;
  again: boolean;
  /** Reads the state again when the next PIN expires or the lock ends: no write notifies those. */
  timer: NodeJS.Timeout | null;
}

/** What a customer can see of a state: which PINs are open until when, and the lock. */
const stateKey = (state: PinChallengeState) =>
  JSON.stringify([
    state.pendingPins.map((pin) => [pin.challengeId, pin.expiresAt.getTime()]),
    state.pinLockedUntil?.getTime() ?? null,
  ]);

/**
 * Feeds each signed-in customer's PIN challenges to their subscriptions on this instance. The PIN service notifies
 * PIN_CHALLENGES_CHANNEL from the transaction that changed a customer's challenges (issued, answered, wrong PIN,
 * superseded, closed by a lock), so the notification arrives only if, and once, it committed; the hub then reads the
 * customer's state (the same read as the dashboard's) and sends it whole to that customer's subscriptions. A state
 * replaces the previous one, so notifications that coalesce or arrive late lose nothing, and reads of one customer
 * run one at a time, so states arrive in order. Expiry writes nothing: the hub reads again when the next PIN
 * expires (or the lock ends). Each new subscription first gets the current state.
 *
 * A notification lost while the listener reconnects is made up for by reading every watched customer again once it
 * listens again; a client that lost its connection reads the dashboard when it reconnects. Every replica listens and
 * feeds its own subscriptions; nothing is shared between replicas.
 */
export class PinChallengeHub {
  private readonly watched = new Map<string, Watched>();
  private readonly listener: PgListener;
  private closed = false;

  constructor(
    /** The customer's current state (a fresh EntityManager per read: the hub outlives every request). */
    private readonly read: (customerId: string) => Promise<PinChallengeState>,
    databaseUrl: string,
    private readonly logger: Logger,
    /** The clock PINs expire by (the PIN service's). */
    private readonly clock: Clock,
  ) {
    this.listener = new PgListener({
      databaseUrl,
      channel: PIN_CHALLENGES_CHANNEL,
      logger,
      onNotification: (payload) => this.notified(payload),
      onReconnected: () => {
        for (const key of this.watched.keys()) this.refresh(key);
      },
    });
  }

  /** Subscriptions this instance is feeding. */
  get subscriberCount(): number {
    let count = 0;
    for (const watched of this.watched.values()) count += watched.subscribers.size;
    return count;
  }

  async start(): Promise<void> {
    await this.listener.start();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const watched of this.watched.values()) if (watched.timer) clearTimeout(watched.timer);
    await this.listener.close();
  }

  /**
   * The PIN state of one customer of one tenant: the current one first, then each change, until the consumer
   * stops. The caller has established that the customer is the signed-in one (PinService.watch).
   */
  subscribe(tenantId: string, customerId: string): AsyncIterableIterator<PinChallengeState> {
    const key = `${tenantId}:${customerId}`;
    let watched = this.watched.get(key);
    if (!watched) {
      watched = { subscribers: new Set(), fresh: new Set(), last: null, reading: false, again: false, timer: null };
      this.watched.set(key, watched);
    }
    const held = watched;
    const queue = new AsyncQueue<PinChallengeState>(MAX_BUFFERED, () => this.leave(key, held, subscriber), tooSlow);
    const subscriber: Subscriber = { push: (state) => queue.push(state) };
    held.subscribers.add(subscriber);
    held.fresh.add(subscriber);
    this.refresh(key);
    return queue;
  }

  private leave(key: string, watched: Watched, subscriber: Subscriber): void {
    watched.subscribers.delete(subscriber);
    watched.fresh.delete(subscriber);
    if (watched.subscribers.size || this.watched.get(key) !== watched) return;
    this.watched.delete(key);
    if (watched.timer) clearTimeout(watched.timer);
    watched.timer = null;
  }

  private notified(payload: string): void {
    let changed: Partial<PinChallengesChanged>;
    try {
      changed = JSON.parse(payload) as Partial<PinChallengesChanged>;
    } catch {
      this.logger.warn({ channel: PIN_CHALLENGES_CHANNEL }, 'ignored a notification that is not JSON');
      return;
    }
    // Only customers someone here watches are read: a notification for anyone else costs nothing.
    const key = `${changed.tenantId}:${changed.customerId}`;
    if (this.watched.has(key)) this.refresh(key);
  }

  /** Reads the customer's state and sends it; calls made while a read runs fold into one more read. */
  private refresh(key: string): void {
    const watched = this.watched.get(key);
    if (!watched || this.closed) return;
    if (watched.reading) {
      watched.again = true;
      return;
    }
    watched.reading = true;
    const customerId = key.slice(key.indexOf(':') + 1);
    void (async () => {
      do {
        watched.again = false;
        const fresh = new Set(watched.fresh);
        watched.fresh.clear();
        let state: PinChallengeState;
        try {
          state = await this.read(customerId);
        } catch (error) {
          // Nothing is lost but time: the subscribers still waiting for their first state get the next read's.
          this.logger.error({ err: error }, 'reading a customer’s PIN challenges failed; retrying');
          for (const subscriber of fresh) if (watched.subscribers.has(subscriber)) watched.fresh.add(subscriber);
          if (!this.closed) setTimeout(() => this.refresh(key), 1000).unref();
          break;
        }
        if (this.watched.get(key) !== watched) break;
        const stateChanged = stateKey(state) !== watched.last;
        watched.last = stateKey(state);
        for (const subscriber of watched.subscribers) {
          if (stateChanged || fresh.has(subscriber)) subscriber.push(state);
        }
        this.armExpiry(key, watched, state);
      } while (watched.again && !this.closed);
      watched.reading = false;
    })();
  }

  /** Reads again once the soonest PIN has expired or the lock has ended, whichever comes first. */
  private armExpiry(key: string, watched: Watched, state: PinChallengeState): void {
    if (watched.timer) clearTimeout(watched.timer);
    watched.timer = null;
    const moments = [...state.pendingPins.map((pin) => pin.expiresAt), state.pinLockedUntil]
      .filter((moment): moment is Date => moment !== null)
      .map((moment) => moment.getTime());
    if (!moments.length) return;
    const delay = Math.min(
      Math.max(0, Math.min(...moments) - this.clock.now().getTime()) + EXPIRY_MARGIN_MS,
      MAX_TIMER_MS,
    );
    watched.timer = setTimeout(() => {
      watched.timer = null;
      this.refresh(key);
    }, delay);
    watched.timer.unref();
  }
}
