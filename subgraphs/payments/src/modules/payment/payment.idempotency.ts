import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type IdempotencyClaim,
  type IdempotencyCodec,
  IdempotencyStore,
  type IdempotencyToken,
  type Principal,
  entitySnapshot,
  restoreEntity,
} from '@pos/kit';
import { Payment } from './payment.entity';

/**
 * The idempotency key of a request that moves money, when the client sent one (without one every method here does
 * nothing and the request simply runs): claimed before any work, attached to what the request records as its
 * intent in that same transaction, completed with the answer in the transaction that records the outcome. A key
 * that is given back (abandoned or released) lets a corrected retry run afresh; a key left held lets a retry after
 * the lease resume the very same movement instead of starting a second one.
 */
export class RequestKey<R> {
  /** The first request's answer when this one repeats a request that finished: answer it, do nothing else. */
  readonly replay: R | null;
  private readonly token: IdempotencyToken | null;
  /** Whether a failure gave the key back already (or decided to keep it): that is decided once. */
  private dealtWith = false;

  private constructor(
    private readonly store: IdempotencyStore,
    private readonly claimed: IdempotencyClaim | null,
    private readonly codec: IdempotencyCodec<R>,
  ) {
    this.replay = claimed?.kind === 'replay' ? codec.restore(claimed.response) : null;
    this.token = claimed?.kind === 'replay' ? null : (claimed?.token ?? null);
  }

  /** Validates and claims the client's key for this operation and its (fingerprinted) request. */
  static async claim<R>(
    em: EntityManager,
    principal: Principal,
    key: string | null | undefined,
    operation: string,
    request: unknown,
    codec: IdempotencyCodec<R>,
  ): Promise<RequestKey<R>> {
    const store = new IdempotencyStore(em);
    return new RequestKey(store, await store.claimKey(principal, key, operation, request), codec);
  }

  /** Whether the client sent a key, so there is one to complete. */
  get held(): boolean {
    return this.token !== null;
  }

  /** Whether an earlier request with this key went quiet after it started, and this one finishes its work. */
  get resumed(): boolean {
    return this.claimed?.kind === 'resume';
  }

  /** What that earlier request had attached as its intent, if it got that far. */
  get resumedId(): string | null {
    return this.claimed?.kind === 'resume' ? this.claimed.resourceId : null;
  }

  /** Records, in the transaction that records the intent, what this request is moving money for. */
  async attach(tx: EntityManager, resourceId: string): Promise<void> {
    if (this.token) await this.store.attach(tx, this.token, resourceId);
  }

  /** Completes the key with the answer to replay, in the transaction that records the outcome. */
  async complete(tx: EntityManager, answer: R): Promise<void> {
    if (this.token) await this.store.complete(tx, this.token, this.codec.id(answer), this.codec.snapshot(answer));
  }

  /** Completes the key in a transaction of its own: the answer was recorded earlier (a resumed request). */
  async completeAlone(em: EntityManager, answer: R): Promise<void> {
    if (this.token) await em.transactional((tx) => this.complete(tx, answer));
  }

  /**
   * Runs `work`, the intent, and gives the key back if it fails, unless a resumed request's intent was recorded
   * already: that may be with the processor, so the key keeps pointing at it.
   */
  async abandonOnFailure<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      this.dealtWith = true;
      await this.store.abandon(this.claimed);
      throw error;
    }
  }

  /** Gives the key back, once: nothing the request sent can take effect, so a retry may run afresh. */
  async release(): Promise<void> {
    if (!this.token || this.dealtWith) return;
    this.dealtWith = true;
    await this.store.release(this.token);
  }
}

/** A payment rebuilt from its idempotency snapshot. */
export const restorePayment = (data: unknown) =>
  restoreEntity(() => new Payment(), data, [
    'createdAt',
    'updatedAt',
    'settledAt',
    'voidRequestedAt',
    'reversalRequestedAt',
    'expiresAt',
  ]);

/** The answer of a request that takes, voids or reverses a payment. */
export interface PaymentAnswer {
  payment: Payment;
  replayed: boolean;
}

export const PAYMENT_ANSWER: IdempotencyCodec<PaymentAnswer> = {
  id: (answer) => answer.payment.id,
  snapshot: (answer) => entitySnapshot(answer.payment),
  restore: (stored) => ({ payment: restorePayment(stored), replayed: true }),
};
