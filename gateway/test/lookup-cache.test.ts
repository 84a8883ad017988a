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

  it('serves an expired answer while the database is down, and only then', async () => {
    let down = false;
    const load = async (key: string) => {
      if (!down) return key.toUpperCase();
      throw Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:5432 (${key})`), { code: 'ECONNREFUSED' });
    };
    const lookup = cachedLookup(load, 20);
    expect(await lookup('a')).toBe('A');
    await sleep(30);
    down = true;
    // Known a moment ago: still served. Never seen: the outage is not hidden.
    expect(await lookup('a')).toBe('A');
    await expect(lookup('b')).rejects.toThrow('ECONNREFUSED');
    const failing = cachedLookup(async (key: string) => {
      if (key === 'a' && !down) return 'A';
      throw new Error('a bug, not an outage');
    }, 20);
    down = false;
    await failing('a');
    await sleep(30);
    down = true;
    await expect(failing('a')).rejects.toThrow('a bug');
  });
});
