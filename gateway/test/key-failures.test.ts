import { gatewayEnvSchema } from '../src/config';
import { KeyFailures, hardeningOf, isTooManyKeyFailures, tooManyKeyFailures } from '../src/hardening';

/** The bound on wrong API keys per address (hardening/key-failures.ts), on a clock the test moves. */
describe('KeyFailures', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('refuses an address once the window holds the limit of wrong keys, until the oldest leaves it', () => {
    const failures = new KeyFailures({ failures: 3, windowSeconds: 60 }, clock);
    for (let i = 0; i < 3; i++) {
      expect(failures.refused('10.0.0.1')).toBeNull();
      failures.failed('10.0.0.1');
      now += 10_000;
    }
    // Three wrong keys at 0, 10 and 20 s; it is 30 s now: the first leaves the window at 60 s.
    expect(failures.refused('10.0.0.1')).toEqual({ retryAfterSeconds: 30 });
    // Other addresses are not concerned.
    expect(failures.refused('10.0.0.2')).toBeNull();
    now += 29_000;
    expect(failures.refused('10.0.0.1')).toEqual({ retryAfterSeconds: 1 });
    now += 1_000;
    // One try back: a wrong one refuses the address again until the next oldest leaves.
    expect(failures.refused('10.0.0.1')).toBeNull();
    failures.failed('10.0.0.1');
    expect(failures.refused('10.0.0.1')).toEqual({ retryAfterSeconds: 10 });
  });

  it('forgets an address once its wrong keys have left the window, and holds a bounded number of addresses', () => {
    const failures = new KeyFailures({ failures: 2, windowSeconds: 10 }, clock, 3);
    for (const address of ['a', 'b', 'c', 'd']) failures.failed(address);
    expect(failures.size).toBe(3);
    now += 61_000;
    expect(failures.refused('a')).toBeNull();
    expect(failures.size).toBe(0);
  });

  it('is off at 0, and on by default at 20 wrong keys in 15 minutes', () => {
    const off = new KeyFailures({ failures: 0, windowSeconds: 60 }, clock);
    for (let i = 0; i < 100; i++) off.failed('a');
    expect(off.refused('a')).toBeNull();
    const defaults = hardeningOf(
      gatewayEnvSchema.parse({
        DATABASE_URL: 'postgres://localhost/none',
        INTERNAL_JWT_SECRET: 'x'.repeat(32),
        KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      }),
    ).keyFailures;
    expect(defaults.limit).toEqual({ failures: 20, windowSeconds: 900 });
  });

  it('is refused as RATE_LIMITED with the wait, HTTP 429 and Retry-After', () => {
    const error = tooManyKeyFailures({ retryAfterSeconds: 42 });
    expect(isTooManyKeyFailures(error)).toBe(true);
    expect(error.message).toBe('Too many wrong API keys from this address: retry after 42 s');
    expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 42, http: { status: 429 } });
    const headers = (error.extensions.http as { headers: Map<string, string> }).headers;
    expect(headers.get('retry-after')).toBe('42');
  });
});
