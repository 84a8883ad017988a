import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { RateLimit, RateLimited, Spent } from './rate-limit';
import type { KeyFailureLimit } from './key-failures';

/**
 * Where the gateway's limits keep their state (RATE_LIMIT_STORE): `memory`, each replica its own (rate-limit.ts,
 * key-failures.ts), or `redis`, one state for every replica (redis-store.ts).
 *
 * Why `T | Promise<T>` rather than a promise everywhere: the memory limiters answer on the spot, and they run on
 * every request. Typing their answers as a promise would make every call site `await`, which costs a turn of the
 * microtask queue per limit per request for nothing, and would make the memory classes' own callers (and tests)
 * change for a store they do not use. So a store answers `Decided<T>`: the memory classes keep their synchronous
 * methods (they satisfy the interfaces as they are), the Redis ones return promises, and a call site goes on at once
 * when the answer is there ({@link whenDecided}), awaiting only what is really pending.
 */
export type Decided<T> = T | Promise<T>;

export const isPending = <T>(value: Decided<T>): value is Promise<T> => value instanceof Promise;

/** `next(value)`, now when `value` is decided, once it is when it is pending. */
export function whenDecided<T, R>(value: Decided<T>, next: (value: T) => Decided<R>): Decided<R> {
  return isPending(value) ? value.then(next) : next(value);
}

/** Token buckets by key (rate-limit.ts has the semantics; every store keeps exactly them). */
export interface BucketStore {
  readonly limit: RateLimit;
  readonly enabled: boolean;
  /** Takes one token from `key`'s bucket: null when the request may pass, else how long to wait. */
  take(key: string): Decided<RateLimited | null>;
  /** Takes `amount` from `key`'s bucket if it holds it, else nothing (a refused request spends nothing). */
  spend(key: string, amount: number): Decided<Spent>;
  /** Gives `amount` back to `key`'s bucket, never past its size. */
  refund(key: string, amount: number): Decided<Spent>;
}

/** Wrong API keys by client address (key-failures.ts has the semantics). */
export interface KeyFailureStore {
  readonly limit: KeyFailureLimit;
  readonly enabled: boolean;
  /** Null when `address` may have a key checked; else how long until it may again. */
  refused(address: string): Decided<RateLimited | null>;
  /** `address` sent a key that opens nothing. */
  failed(address: string): Decided<void>;
}

export const RATE_LIMIT_STORES = ['memory', 'redis'] as const;
export type RateLimitStoreKind = (typeof RATE_LIMIT_STORES)[number];
/** What a limit decides while the shared store cannot be reached (RATE_LIMIT_REDIS_FAILURE). */
export const RATE_LIMIT_FAILURE_MODES = ['open', 'closed'] as const;
export type RateLimitFailureMode = (typeof RATE_LIMIT_FAILURE_MODES)[number];

/** The limiters, as the store's keys and metrics name them. */
export type LimiterName = 'requests' | 'tokens' | 'cost' | 'api_keys';

/** What /readyz says of the store. */
export type RateLimitStoreHealth =
  { store: 'memory' } | { store: 'redis'; state: 'up' | 'down'; failure: RateLimitFailureMode };

/** The store the gateway's limits share, as operators see it: /readyz, /metrics, shutdown. */
export interface RateLimitStore {
  readonly kind: RateLimitStoreKind;
  /** Whether the store answers, as last seen (the memory store always does). */
  readonly up: boolean;
  /** Decisions taken while the store was down, by limiter and failure mode (a running count for /metrics). */
  readonly downDecisions: ReadonlyMap<string, { limiter: LimiterName; failure: RateLimitFailureMode; count: number }>;
  /** Asks the store now (Redis: a PING within the command timeout) and says where it stands. */
  check(): Promise<RateLimitStoreHealth>;
  /** Whether a gateway whose store is as `health` says can serve (false: /readyz answers 503). */
  ready(health: RateLimitStoreHealth): boolean;
  /** Waits (boundedly) for the store's first connection, so the first requests do not meet it still connecting. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Each replica's own memory: nothing to reach, nothing to report. */
export const memoryStore: RateLimitStore = {
  kind: 'memory',
  up: true,
  downDecisions: new Map(),
  check: () => Promise.resolve({ store: 'memory' }),
  ready: () => true,
  start: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

/**
 * A limit that could not be decided: the shared store is down and RATE_LIMIT_REDIS_FAILURE is `closed`. Its message
 * is the store's own words for the log only; what a client gets is {@link rateLimitUnavailable}.
 */
export class RateLimitStoreUnavailable extends Error {
  constructor(readonly limiter: LimiterName) {
    super(`the rate limit store is unavailable (${limiter})`);
    this.name = 'RateLimitStoreUnavailable';
  }
}

export const isRateLimitStoreUnavailable = (error: unknown): error is RateLimitStoreUnavailable =>
  error instanceof RateLimitStoreUnavailable;

/** Seconds a client is told to wait when a limit could not be decided (as REST's other unavailable dependencies). */
export const UNAVAILABLE_RETRY_SECONDS = 5;
export const RATE_LIMIT_UNAVAILABLE_MESSAGE = 'Rate limits cannot be checked right now; retry later';

/**
 * How a request a limit could not decide is refused, on every surface: UNAVAILABLE (HTTP 503, `Retry-After`), reason
 * `rate_limit_unavailable`, and nothing of the store's own error. Its code is the one authentication's "could not
 * decide" has (auth/errors.ts), so REST maps it to 503 and graphql-ws closes with 1013 the same way. `overHttp`: with
 * the status and header Apollo Server answers an error thrown from a request's context with.
 */
export function rateLimitUnavailable(overHttp = false): GraphQLError {
  const retryAfterSeconds = UNAVAILABLE_RETRY_SECONDS;
  return new GraphQLError(RATE_LIMIT_UNAVAILABLE_MESSAGE, {
    extensions: {
      code: 'UNAVAILABLE',
      reason: 'rate_limit_unavailable',
      retryAfterSeconds,
      ...(overHttp
        ? { http: { status: 503, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) } }
        : {}),
    },
  });
}
