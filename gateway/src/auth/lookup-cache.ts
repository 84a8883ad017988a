/**
 * Wraps a lookup every authenticated request would otherwise make (client → tenant, user → roles) in a cache of
 * `ttlMs`; 0 turns it off. The TTL is how long a disabled client or user, or a removed role, keeps working. Misses
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
    const value = await load(key);
    if (cache.size >= maxEntries) cache.clear();
    cache.set(key, { value, until: Date.now() + ttlMs });
    return value;
  };
}
