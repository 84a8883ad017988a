import DataLoader from 'dataloader';

/**
 * A per-request loader of one row per key: one query for all the keys a request asks for in the same tick.
 * Missing (or other-tenant) rows come back as null, which federation turns into a null entity.
 */
export function oneByKey<K, T>(
  fetch: (keys: readonly K[]) => Promise<T[]>,
  keyOf: (row: T) => K,
): DataLoader<K, T | null> {
  return new DataLoader<K, T | null>(async (keys) => {
    const rows = await fetch(keys);
    const byKey = new Map(rows.map((row) => [keyOf(row), row] as const));
    return keys.map((key) => byKey.get(key) ?? null);
  });
}

/** A per-request loader of the rows that belong to each key (the children of a parent), in one query. */
export function manyByKey<K, T>(fetch: (keys: readonly K[]) => Promise<T[]>, keyOf: (row: T) => K): DataLoader<K, T[]> {
  return new DataLoader<K, T[]>(async (keys) => {
    const rows = await fetch(keys);
    const groups = new Map<K, T[]>(keys.map((key) => [key, []]));
    for (const row of rows) groups.get(keyOf(row))?.push(row);
    return keys.map((key) => groups.get(key) ?? []);
  });
}
