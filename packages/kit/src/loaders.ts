import DataLoader from 'dataloader';
import { type ConnectionPage, type PageRequest, emptyConnection } from './connection';

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

/**
 * Per-request loaders of the same page of many parents' lists (every Order's payments of one request): one loader
 * per distinct filter and page, so the parents that ask alike share one query (see `paginateMany`). A parent `read`
 * leaves out (one the caller may not see) gets an empty page.
 */
export function pagesByParent<K, T, Q>(
  read: (parents: readonly K[], query: Q, page: PageRequest) => Promise<Map<K, ConnectionPage<T>>>,
): (query: Q, page: PageRequest) => DataLoader<K, ConnectionPage<T>> {
  const loaders = new Map<string, DataLoader<K, ConnectionPage<T>>>();
  return (query, page) => {
    const cacheKey = JSON.stringify([query, page]);
    let loader = loaders.get(cacheKey);
    if (!loader) {
      loader = new DataLoader(async (parents: readonly K[]) => {
        const found = await read(parents, query, page);
        return parents.map((parent) => found.get(parent) ?? emptyConnection<T>({}));
      });
      loaders.set(cacheKey, loader);
    }
    return loader;
  };
}
