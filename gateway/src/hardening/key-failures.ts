import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { RateLimited } from './rate-limit';
import type { KeyFailureStore } from './store';

/**
 * How many wrong API keys one address may send before its keys stop being checked for a while. A customer types
 * their dashboard key on the loyalty page (/loyalty/), and a key can be tried on any route that takes one, so every
 * X-Api-Key check counts, on every transport (HTTP, GraphQL over SSE, graphql-ws).
 */
export interface KeyFailureLimit {
  /** Wrong keys an address may send within the window; 0 turns the limit off. */
  failures: number;
  windowSeconds: number;
}

/**
 * Bounded guessing of API keys, per client address (the project's rule for every secret a person types). Each wrong
 * key an address sends is remembered for `windowSeconds`; while the window holds `failures` of them, the address's
 * keys are refused without being looked up (429, `Retry-After`), right ones included, until the oldest leaves the
 * window. So an address tries at most `failures` keys per window, whatever it sends meanwhile. A missing key is no
 * guess and is not counted, nor is a lookup that failed (the database unreachable): neither says anything of a key.
 *
 * In this process's memory with RATE_LIMIT_STORE=memory, like the rate limits (rate-limit.ts): behind N replicas an
 * address gets N times the tries, still a bound; with RATE_LIMIT_STORE=redis the same moments are kept in Redis for
 * every replica at once (redis-store.ts), and this class is the fallback while Redis is down. Memory is bounded: at most `failures` moments per address, at most `maxAddresses`
 * addresses (the oldest first out), and addresses whose moments have all left the window are dropped by a sweep.
 */
export class KeyFailures implements KeyFailureStore {
  private readonly moments = new Map<string, number[]>();
  private readonly windowMs: number;
  private lastSweep: number;

  constructor(
    readonly limit: KeyFailureLimit,
    /** Milliseconds from any fixed origin; tests pass their own to move time. */
    private readonly now: () => number = () => Date.now(),
    private readonly maxAddresses = 100_000,
  ) {
    this.windowMs = limit.windowSeconds * 1000;
    this.lastSweep = now();
  }

  get enabled(): boolean {
    return this.limit.failures > 0;
  }

  /** Addresses with a wrong key in the window. */
  get size(): number {
    return this.moments.size;
  }

  /** Null when `address` may have a key checked; else how long until it may again. */
  refused(address: string): RateLimited | null {
    if (!this.enabled) return null;
    const now = this.now();
    this.sweep(now);
    const recent = this.recent(address, now);
    if (recent.length < this.limit.failures) return null;
    return { retryAfterSeconds: Math.max(1, Math.ceil((recent[0] + this.windowMs - now) / 1000)) };
  }

  /** `address` sent a key that opens nothing. */
  failed(address: string): void {
    if (!this.enabled) return;
    const now = this.now();
    const recent = this.recent(address, now);
    recent.push(now);
    // Only the newest `failures` matter: the oldest of them is when the address may try again.
    if (recent.length > this.limit.failures) recent.splice(0, recent.length - this.limit.failures);
    if (!this.moments.has(address) && this.moments.size >= this.maxAddresses) {
      this.moments.delete(this.moments.keys().next().value!);
    }
    this.moments.set(address, recent);
  }

  private recent(address: string, now: number): number[] {
    return (this.moments.get(address) ?? []).filter((moment) => now - moment < this.windowMs);
  }

  /** Drops the addresses whose wrong keys have all left the window (at most once a minute). */
  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [address, moments] of this.moments) {
      if (now - moments[moments.length - 1] >= this.windowMs) this.moments.delete(address);
    }
  }
}

/**
 * The refusal of an address over the limit: RATE_LIMITED with the wait, HTTP 429 with `Retry-After` on /graphql (as
 * its other rate limits), mapped to the REST error shape by rest/router.ts; graphql-ws closes the connection.
 */
export function tooManyKeyFailures(refused: RateLimited): GraphQLError {
  const { retryAfterSeconds } = refused;
  return new GraphQLError(`Too many wrong API keys from this address: retry after ${retryAfterSeconds} s`, {
    extensions: {
      code: 'RATE_LIMITED',
      reason: 'too_many_wrong_keys',
      retryAfterSeconds,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
    },
  });
}

export const isTooManyKeyFailures = (error: unknown): error is GraphQLError =>
  error instanceof GraphQLError && error.extensions.reason === 'too_many_wrong_keys';
