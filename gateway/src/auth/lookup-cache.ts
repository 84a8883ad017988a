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
