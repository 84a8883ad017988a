import { setTimeout as sleep } from 'node:timers/promises';
import { cachedLookup } from '../src/auth/lookup-cache';

describe('cachedLookup', () => {
  const counting = () => {
    const calls: string[] = [];
    const load = async (key: string) => {
      calls.push(key);
      return key === 'missing' ? null : key.toUpperCase();
    };
    return { calls, load };
  };

  it('answers from the cache until the TTL has passed, misses included', async () => {
    const { calls, load } = counting();
    const lookup = cachedLookup(load, 50);
    expect(await lookup('a')).toBe('A');
    expect(await lookup('a')).toBe('A');
    expect(await lookup('missing')).toBeNull();
    expect(await lookup('missing')).toBeNull();
    expect(calls).toEqual(['a', 'missing']);
    await sleep(60);
    await lookup('a');
    expect(calls).toEqual(['a', 'missing', 'a']);
  });

  it('does not cache with a TTL of 0', async () => {
    const { calls, load } = counting();
    const lookup = cachedLookup(load, 0);
    await lookup('a');
    await lookup('a');
    expect(calls).toEqual(['a', 'a']);
  });

  it('stays within its bound', async () => {
    const { calls, load } = counting();
    const lookup = cachedLookup(load, 60_000, 2);
    for (const key of ['a', 'b', 'c', 'a']) await lookup(key);
    // Full at 'c', so the cache was emptied and 'a' read again.
    expect(calls).toEqual(['a', 'b', 'c', 'a']);
  });
});
