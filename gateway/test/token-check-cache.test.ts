import { cachedTokenCheck } from '@pos/kit';

describe('cachedTokenCheck', () => {
  const setup = (ttlMs: number, maxEntries?: number) => {
    let clock = 1_000_000;
    const calls: string[] = [];
    // A token "tok:<expiry ms>" verifies to its expiry; "bad" fails.
    const check = async (token: string) => {
      calls.push(token);
      if (token === 'bad') throw new Error('invalid');
      return { exp: Number(token.split(':')[1]) };
    };
    const cached = cachedTokenCheck(
      check,
      (v) => v.exp,
      ttlMs,
      maxEntries,
      () => clock,
    );
    return { calls, cached, advance: (ms: number) => (clock += ms) };
  };

  it('verifies a token once until the TTL has passed', async () => {
    const { calls, cached, advance } = setup(1_000);
    const token = 'tok:9000000';
    await cached(token);
    await cached(token);
    expect(calls).toEqual([token]);
    advance(1_001);
    await cached(token);
    expect(calls).toEqual([token, token]);
  });

  it('never answers from the cache once the token has expired', async () => {
    const { calls, cached, advance } = setup(60_000);
    const token = 'tok:1000500';
    await cached(token);
    advance(400);
    await cached(token);
    expect(calls).toHaveLength(1);
    advance(200); // past its expiry: checked again (and the check itself refuses expired tokens)
    await cached(token);
    expect(calls).toHaveLength(2);
  });

  it('keeps no failure, and shares one check among concurrent callers', async () => {
    const { calls, cached } = setup(60_000);
    await expect(cached('bad')).rejects.toThrow('invalid');
    await expect(cached('bad')).rejects.toThrow('invalid');
    expect(calls).toEqual(['bad', 'bad']);
    await Promise.all(Array.from({ length: 5 }, () => cached('tok:9000000')));
    expect(calls).toEqual(['bad', 'bad', 'tok:9000000']);
  });

  it('stays within its bound and does not cache with a TTL of 0', async () => {
    const bounded = setup(60_000, 2);
    for (const token of ['tok:9000001', 'tok:9000002', 'tok:9000003', 'tok:9000001']) await bounded.cached(token);
    // Full at the third, so the oldest (the first) was evicted and checked again.
    expect(bounded.calls).toEqual(['tok:9000001', 'tok:9000002', 'tok:9000003', 'tok:9000001']);
    const off = setup(0);
    await off.cached('tok:9000000');
    await off.cached('tok:9000000');
    expect(off.calls).toHaveLength(2);
  });
});
