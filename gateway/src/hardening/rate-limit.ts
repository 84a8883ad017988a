/**
 * Per-client rate limits: a token bucket per caller, kept in this process's memory.
 *
 * Each caller has a bucket of `burst` tokens that refills at `perSecond` tokens a second; a request takes one, and a
 * request that finds the bucket empty is refused with 429 and `Retry-After`: the whole seconds until a token is
 * back. So a client may send `burst` requests at once, and `perSecond` a second for as long as it likes.
 *
 * With RATE_LIMIT_STORE=memory (the default) the buckets are per gateway replica: behind a load balancer spreading a
 * client over N replicas, the client gets up to N times the limit. That bounds what one client can take of one
 * replica. RATE_LIMIT_STORE=redis keeps the same buckets, with exactly these semantics, in Redis for every replica
 * at once, at the cost of a round trip per request (redis-store.ts); this class is then what a replica falls back
 * to while Redis is down and RATE_LIMIT_REDIS_FAILURE is `open`.
 */
import type { BucketStore } from './store';

export interface RateLimit {
  /** Tokens a second a bucket refills; 0 turns the limit off. Fractions are fine (0.5: one request every 2 s). */
  perSecond: number;
  /** The bucket's size: requests a caller may send at once after being idle. */
  burst: number;
}

/** A refusal: how long to wait before the next request can pass. */
export interface RateLimited {
  retryAfterSeconds: number;
}

/** What spending from a bucket did: paid or not, and what the bucket holds after it. */
export interface Spent {
  paid: boolean;
  /** What the bucket holds now (after paying, when paid). */
  available: number;
  /** Whole seconds until the bucket could pay this amount (0 when it paid). */
  retryAfterSeconds: number;
  /** Whole seconds until the bucket is full again. */
  fullInSeconds: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms, the limiter's clock). */
  at: number;
}

/**
 * Token buckets by key (see the module comment). Memory is bounded: a bucket that has refilled completely is the
 * same as no bucket and is dropped by a sweep, and past `maxKeys` buckets the least recently created goes first
 * (keys of anonymous callers are IP addresses, which a client does not choose freely, but many of them exist).
 */
export class RateLimiter implements BucketStore {
  private readonly buckets = new Map<string, Bucket>();
  private readonly fullAfterMs: number;
  private lastSweep: number;

  constructor(
    readonly limit: RateLimit,
    /** Milliseconds from any fixed origin; tests pass their own to move time. */
    private readonly now: () => number = () => performance.now(),
    private readonly maxKeys = 100_000,
  ) {
    this.fullAfterMs = limit.perSecond > 0 ? (limit.burst / limit.perSecond) * 1000 : 0;
    this.lastSweep = now();
  }

  get enabled(): boolean {
    return this.limit.perSecond > 0;
  }

  /** Buckets held (callers seen within the time a bucket takes to refill). */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token from `key`'s bucket: null when the request may pass, else how long to wait. */
  take(key: string): RateLimited | null {
    if (!this.enabled) return null;
    const spent = this.spend(key, 1);
    return spent.paid ? null : { retryAfterSeconds: spent.retryAfterSeconds };
  }

  /**
   * Takes `amount` tokens from `key`'s bucket if it holds them (an operation's cost), else nothing: a refused request
   * spends nothing, so a client that waits the time it is told is served. Only for an enabled limiter.
   */
  spend(key: string, amount: number): Spent {
    const now = this.now();
    this.sweep(now);
    const { perSecond, burst } = this.limit;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = { tokens: burst, at: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
    }
    const paid = bucket.tokens >= amount;
    if (paid) bucket.tokens -= amount;
    return {
      paid,
      available: Math.floor(bucket.tokens),
      retryAfterSeconds: paid ? 0 : Math.max(1, Math.ceil((amount - bucket.tokens) / perSecond)),
      fullInSeconds: Math.ceil((burst - bucket.tokens) / perSecond),
    };
  }

  /** Gives `amount` back to `key`'s bucket (what an operation turned out not to need), never past its size. */
  refund(key: string, amount: number): Spent {
    const spent = this.spend(key, 0);
    const bucket = this.buckets.get(key)!;
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + amount);
    return { ...spent, available: Math.floor(bucket.tokens) };
  }

  /** Drops the buckets that have refilled (at most once a refill time, so it costs nothing per request). */
  private sweep(now: number): void {
    if (now - this.lastSweep < Math.max(this.fullAfterMs, 1000)) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.at >= this.fullAfterMs) this.buckets.delete(key);
    }
  }
}
