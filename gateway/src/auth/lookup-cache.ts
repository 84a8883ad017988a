import { createHash } from 'node:crypto';
import { isDatabaseUnavailable } from '@pos/kit';

/**
 * How long after its expiry a cached answer still serves while the database cannot be reached (a PostgreSQL
 * restart): a caller known a moment ago keeps working through the outage instead of being told its valid
 * credential is not (401, or 4403 on graphql-ws, which makes a client drop its token).
 */
export const STALE_IF_DATABASE_DOWN_MS = 5 * 60_000;

/**
 * Wraps a lookup every authenticated request would otherwise make (client → tenant, user → roles) in a cache of
 * `ttlMs`; 0 turns it off. The TTL is how long a disabled client or user, or a removed role, keeps working (longer
 * only while the database is down: then an expired answer serves for up to STALE_IF_DATABASE_DOWN_MS more). Misses
 * are cached too, and the cache is emptied when it reaches `maxEntries` rather than growing without bound.
 */
export function cachedLookup<T>(
  load: (key: string) => Promise<T>,
  ttlMs: number,
  maxEntries = 10_000,
): (key: string) => Promise<T> {
  if (ttlMs <= 0) return load;
  const cache = new Map<string, { value: T; until: number }>();
  return async (key) => {
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
    let value: T;
    try {
      value = await load(key);
    } catch (error) {
      if (hit && hit.until + STALE_IF_DATABASE_DOWN_MS > Date.now() && isDatabaseUnavailable(error)) return hit.value;
      throw error;
    }
    if (cache.size >= maxEntries) cache.clear();
    cache.set(key, { value, until: Date.now() + ttlMs });
    return value;
  };
}

/**
 * Remembers, for a short time, what an expensive check of a bearer token found: the verified claims of a JWT whose
 * signature, issuer, algorithm and required claims `check` has verified (RS256 verification of the same token was
 * a tenth of the gateway's CPU when 10,000 subscribers connected with it). Keyed by the token's SHA-256, so the
 * cache holds no token; an entry lasts until the token expires (`expiresAtMs`) or `ttlMs` passes, whichever comes
 * first, so an expired token is never taken from it. Only successes are kept. Concurrent checks of one token share
 * one verification. At most `maxEntries` tokens, the oldest evicted first.
 *
 * Only the token's own, immutable verdict belongs here: whatever can change while a token is valid (its client or
 * user disabled, its session revoked) must be looked up on every use, as verify.ts does after this.
 */
export function cachedTokenCheck<T>(
  check: (token: string) => Promise<T>,
  expiresAtMs: (verified: T) => number,
  ttlMs: number,
  maxEntries = 10_000,
  now: () => number = Date.now,
): (token: string) => Promise<T> {
  if (ttlMs <= 0) return check;
  const cache = new Map<string, { verified: T; until: number }>();
  const inFlight = new Map<string, Promise<T>>();
  return async (token) => {
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = cache.get(key);
    if (hit) {
      if (hit.until > now()) return hit.verified;
      cache.delete(key);
    }
    const pending = inFlight.get(key);
    if (pending) return pending;
    const checking = check(token).then(
      (verified) => {
        inFlight.delete(key);
        const until = Math.min(expiresAtMs(verified), now() + ttlMs);
        if (until > now()) {
          if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
          cache.set(key, { verified, until });
        }
        return verified;
      },
      (error: unknown) => {
        inFlight.delete(key);
        throw error;
      },
    );
    inFlight.set(key, checking);
    return checking;
  };
}
