import fc from 'fast-check';
import { getOperationAST, parse } from 'graphql';
import { type TestRedis, memoryLogger, partnerPrincipal, startRedisServer } from '@pos/testing';
import { gatewayEnvSchema } from '../src/config';
import {
  CostLimits,
  KeyFailures,
  type RateLimit,
  RateLimiter,
  RedisRateLimitStore,
  type Spent,
  hardeningOf,
  isRateLimitStoreUnavailable,
} from '../src/hardening';

/**
 * The Redis store of the limits (hardening/redis-store.ts) against a real redis-server of this test's own: the same
 * answers as the memory limiters for the same requests at the same moments (on a clock the test moves, passed to
 * both), its keys expiring when they would be the same as none, Redis's own clock otherwise, and what it does when
 * Redis is stopped, paused (slow) and back.
 */

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis?.stop());

const stores: RedisRateLimitStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

function storeOn(url: string, options: { failure?: 'open' | 'closed'; now?: () => number } = {}) {
  const { logger, lines } = memoryLogger('gateway');
  const store = new RedisRateLimitStore({ url, failure: options.failure ?? 'open', logger, now: options.now });
  stores.push(store);
  const logged = (pattern: RegExp) => lines().filter((line) => pattern.test(String(line.msg)));
  return { store, logged };
}

let runs = 0;
/** Keys no other case has used: every case starts from empty buckets. */
const fresh = (key: string) => `case${++runs}:${key}`;

type BucketOp = { advanceMs: number; op: 'take' | 'spend' | 'refund'; key: 'a' | 'b'; amount: number };

/** Plays `ops` on a memory RateLimiter and on the Redis buckets, at the same moments, and answers both. */
async function playBuckets(limit: RateLimit, ops: BucketOp[]) {
  let now = 1_000_000;
  const memory = new RateLimiter(limit, () => now);
  const { store } = storeOn(redis.url, { now: () => now });
  await store.start();
  const shared = store.buckets('requests', limit);
  const keys = { a: fresh('a'), b: fresh('b') };
  const answers: { memory: unknown[]; redis: unknown[] } = { memory: [], redis: [] };
  for (const { advanceMs, op, key, amount } of ops) {
    now += advanceMs;
    const k = keys[key];
    if (op === 'take') {
      answers.memory.push(memory.take(k));
      answers.redis.push(await shared.take(k));
    } else {
      answers.memory.push(memory[op](k, amount));
      answers.redis.push(await shared[op](k, amount));
    }
  }
  return answers;
}

describe('the Redis store gives the memory limiters’ answers', () => {
  it('for a scripted sequence: burst, refusal with the wait, refill, amounts, refund, other keys', async () => {
    const at = (advanceMs: number, op: BucketOp['op'], amount = 1, key: 'a' | 'b' = 'a'): BucketOp => ({
      advanceMs,
      op,
      key,
      amount,
    });
    const ops: BucketOp[] = [
      at(0, 'take'),
      at(0, 'take'),
      at(0, 'take'), // the burst of 3
      at(0, 'take'), // refused: 1 s until a token is back
      at(0, 'take', 1, 'b'), // another key has its own bucket
      at(500, 'take'), // one token back (2 a second)
      at(0, 'take'),
      at(10_000, 'spend', 2), // refilled to the burst, not beyond; an amount
      at(0, 'spend', 2), // refused: holds 1, spends nothing
      at(0, 'spend', 0), // reading the bucket
      at(250, 'refund', 1), // half a token back from time, one from the refund
      at(0, 'spend', 3), // 2.5: refused, with the wait for 3
      at(0, 'refund', 10), // never past the burst
      at(0, 'spend', 3),
      at(0, 'spend', 3), // empty: 1.5 s until it holds 3, told as 2
    ];
    const { memory, redis: shared } = await playBuckets({ perSecond: 2, burst: 3 }, ops);
    expect(shared).toEqual(memory);
    // The answers themselves, so that two identical mistakes cannot agree.
    expect(memory.slice(0, 5)).toEqual([null, null, null, { retryAfterSeconds: 1 }, null]);
    expect(memory.slice(7)).toEqual<Spent[]>([
      { paid: true, available: 1, retryAfterSeconds: 0, fullInSeconds: 1 },
      { paid: false, available: 1, retryAfterSeconds: 1, fullInSeconds: 1 },
      { paid: true, available: 1, retryAfterSeconds: 0, fullInSeconds: 1 },
      { paid: true, available: 2, retryAfterSeconds: 0, fullInSeconds: 1 },
      { paid: false, available: 2, retryAfterSeconds: 1, fullInSeconds: 1 },
      { paid: true, available: 3, retryAfterSeconds: 0, fullInSeconds: 1 },
      { paid: true, available: 0, retryAfterSeconds: 0, fullInSeconds: 2 },
      { paid: false, available: 0, retryAfterSeconds: 2, fullInSeconds: 2 },
    ]);
  });

  it('for any sequence of takes, spends and refunds at any moments (fast-check)', async () => {
    // Slow rates and time in quarter tokens: a bucket's key expires (in real time) only when it would have refilled
    // (in the test's time), so no key may expire while a case runs, seconds at most.
    const limit = fc.record({
      perSecond: fc.constantFrom(0.01, 0.004, 0.0025),
      burst: fc.integer({ min: 1, max: 20 }),
    });
    const op = fc.record({
      quarters: fc.integer({ min: 0, max: 12 }),
      op: fc.constantFrom<BucketOp['op']>('take', 'spend', 'refund'),
      key: fc.constantFrom<'a' | 'b'>('a', 'b'),
      amount: fc.integer({ min: 0, max: 25 }),
    });
    await fc.assert(
      fc.asyncProperty(limit, fc.array(op, { maxLength: 40 }), async (bucket, steps) => {
        const ops = steps.map(({ quarters, ...rest }) => ({
          ...rest,
          advanceMs: (quarters * 250) / bucket.perSecond,
        }));
        const { memory, redis: shared } = await playBuckets(bucket, ops);
        expect(shared).toEqual(memory);
      }),
      { numRuns: 60 },
    );
  });

  it('for wrong API keys: the bound per address, its window, the wait until the oldest leaves it', async () => {
    let now = 1_000_000;
    const limit = { failures: 3, windowSeconds: 60 };
    const { store } = storeOn(redis.url, { now: () => now });
    await store.start();
    const play = async (steps: Array<{ advanceMs: number; failed: boolean; address: 'x' | 'y' }>) => {
      const memory = new KeyFailures(limit, () => now);
      const shared = store.keyFailures(limit);
      const addresses = { x: fresh('10.0.0.1'), y: fresh('10.0.0.2') };
      const answers: { memory: unknown[]; redis: unknown[] } = { memory: [], redis: [] };
      for (const { advanceMs, failed, address } of steps) {
        now += advanceMs;
        if (failed) {
          memory.failed(addresses[address]);
          await shared.failed(addresses[address]);
        } else {
          answers.memory.push(memory.refused(addresses[address]));
          answers.redis.push(await shared.refused(addresses[address]));
        }
      }
      return answers;
    };
    // key-failures.test.ts's scenario: wrong keys at 0, 10 and 20 s; refused at 30 s for 30 s; one try back at 60 s.
    const scripted = await play([
      { advanceMs: 0, failed: false, address: 'x' },
      { advanceMs: 0, failed: true, address: 'x' },
      { advanceMs: 10_000, failed: true, address: 'x' },
      { advanceMs: 10_000, failed: true, address: 'x' },
      { advanceMs: 10_000, failed: false, address: 'x' },
      { advanceMs: 0, failed: false, address: 'y' },
      { advanceMs: 29_000, failed: false, address: 'x' },
      { advanceMs: 1_000, failed: false, address: 'x' },
      { advanceMs: 0, failed: true, address: 'x' },
      { advanceMs: 0, failed: false, address: 'x' },
    ]);
    expect(scripted.redis).toEqual(scripted.memory);
    expect(scripted.memory).toEqual([
      null,
      { retryAfterSeconds: 30 },
      null,
      { retryAfterSeconds: 1 },
      null,
      { retryAfterSeconds: 10 },
    ]);
    const step = fc.record({
      advanceMs: fc.integer({ min: 0, max: 40 }).map((s) => s * 1000),
      failed: fc.boolean(),
      address: fc.constantFrom<'x' | 'y'>('x', 'y'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        const { memory, redis: shared } = await play(steps);
        expect(shared).toEqual(memory);
      }),
      { numRuns: 40 },
    );
  });
});

describe('cost limits over the Redis store', () => {
  const principal = partnerPrincipal('demo', ['tilt/pos:read']);
  const operationLimits = { maxDepth: 12, maxCost: 100, defaultListSize: 10 };
  const query = getOperationAST(parse('{ locations { nodes { id } } }'))!;

  it('charge, settle and status as in memory; a charge it cannot decide failing closed is UNAVAILABLE', async () => {
    let now = 1_000_000;
    const limit = { maximumAvailable: 100, restoreRate: 0.01 };
    const buckets = { perSecond: limit.restoreRate, burst: limit.maximumAvailable };
    const memory = new CostLimits(limit, operationLimits, () => now);
    const { store } = storeOn(redis.url, { failure: 'closed', now: () => now });
    await store.start();
    const shared = new CostLimits(limit, operationLimits, undefined, store.buckets('cost', buckets));
    const someone = { ...principal, subject: fresh('client') };
    const answer = { locations: { nodes: [{ id: '1' }, { id: '2' }] } };
    const play = async (limits: typeof memory | typeof shared) => {
      const answers: unknown[] = [];
      const paid = (await limits.charge(someone, 60, query)).cost;
      answers.push(paid);
      answers.push(await limits.charge(someone, 60, query)); // refused: 40 left
      answers.push(await limits.settle(someone, paid, answer, false)); // 4 of 60: 56 back
      answers.push(await limits.status(someone));
      answers.push(await limits.charge(someone, 101, query)); // over the largest cost: 400
      return answers;
    };
    const inMemory = await play(memory);
    now = 1_000_000; // the same moments for the shared one
    expect(await play(shared)).toEqual(inMemory);
    expect(inMemory[2]).toMatchObject({ actualQueryCost: 4, throttleStatus: { currentlyAvailable: 96 } });

    await redis.stop();
    try {
      const refused = await shared.charge(someone, 10, query);
      expect(refused.cost).toEqual({ requestedQueryCost: 10, actualQueryCost: 0, throttleStatus: null });
      expect(refused.refusal!.message).toBe('Rate limits cannot be checked right now; retry later');
      expect(refused.refusal!.extensions).toEqual({
        code: 'UNAVAILABLE',
        reason: 'rate_limit_unavailable',
        retryAfterSeconds: 5,
      });
      // Reading where the budget stands still answers (this replica's buckets meanwhile).
      expect((await shared.status(someone)).throttleStatus).toEqual({
        maximumAvailable: 100,
        currentlyAvailable: 100,
        restoreRate: 0.01,
      });
    } finally {
      await redis.restart();
    }
  });
});

describe('the Redis store', () => {
  it('keys everything under pos:rl:<limiter>: and lets a key expire when it would be the same as none', async () => {
    const { store } = storeOn(redis.url);
    await store.start();
    const requests = store.buckets('requests', { perSecond: 10, burst: 5 });
    const key = fresh('m2m:demo:demo-partner');
    expect(await requests.spend(key, 3)).toMatchObject({ paid: true, available: 2 });
    // 3 tokens short at 10 a second: gone within 300 ms, when the bucket would be full again.
    const ttl = Number((await redis.command(['PTTL', `pos:rl:requests:${key}`])).slice(1));
    expect(ttl).toBeGreaterThan(200);
    expect(ttl).toBeLessThanOrEqual(300);
    // A read of a full bucket stores nothing.
    const idle = fresh('idle');
    expect(await requests.spend(idle, 0)).toMatchObject({ paid: true, available: 5 });
    expect(await redis.command(['EXISTS', `pos:rl:requests:${idle}`])).toBe(':0\r\n');
    const keys = store.keyFailures({ failures: 2, windowSeconds: 30 });
    const address = fresh('10.1.1.1');
    await keys.failed(address);
    const windowTtl = Number((await redis.command(['PTTL', `pos:rl:api_keys:${address}`])).slice(1));
    expect(windowTtl).toBeGreaterThan(29_000);
    expect(windowTtl).toBeLessThanOrEqual(30_000);
  });

  it('refills on Redis’s own clock (TIME): one clock for every replica', async () => {
    const { store } = storeOn(redis.url);
    await store.start();
    const limit = { perSecond: 20, burst: 2 };
    const one = store.buckets('requests', limit);
    const other = store.buckets('requests', limit); // another replica's limiter, same Redis
    const key = fresh('caller');
    expect(await one.take(key)).toBeNull();
    expect(await other.take(key)).toBeNull();
    expect(await one.take(key)).toEqual({ retryAfterSeconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 80)); // a token back after 50 ms
    expect(await other.take(key)).toBeNull();
    expect(await one.take(key)).toEqual({ retryAfterSeconds: 1 });
  });

  it('failing open: decides with this replica’s own buckets while Redis is stopped, logs the outage once, and recovers', async () => {
    const { store, logged } = storeOn(redis.url, { failure: 'open' });
    await store.start();
    const limit = { perSecond: 0.01, burst: 2 };
    const requests = store.buckets('requests', limit);
    const key = fresh('open');
    expect(await requests.take(key)).toBeNull();
    expect(store.up).toBe(true);

    await redis.stop();
    // Each decision falls back to this replica's memory, which has its own burst of 2: a bound, not none.
    expect(await requests.take(key)).toBeNull();
    expect(await requests.take(key)).toBeNull();
    expect(await requests.take(key)).toEqual({ retryAfterSeconds: 100 });
    for (let i = 0; i < 20; i++) await requests.take(fresh('many'));
    // Reads and refunds never refuse.
    expect((await requests.spend(key, 0)).paid).toBe(true);
    expect((await requests.refund(key, 1)).paid).toBe(true);
    expect(store.up).toBe(false);
    expect(await store.check()).toEqual({ store: 'redis', state: 'down', failure: 'open' });
    expect(store.ready({ store: 'redis', state: 'down', failure: 'open' })).toBe(true);
    expect(store.downDecisions.get('requests')).toEqual({ limiter: 'requests', failure: 'open', count: 23 });
    // One line for the whole outage, however many requests met it.
    expect(logged(/unreachable/)).toHaveLength(1);
    expect(logged(/unreachable/)[0]).toMatchObject({ level: 40, store: 'redis', failure: 'open' });

    await redis.restart();
    await waitFor(() => store.up);
    expect(logged(/reachable again/)).toHaveLength(1);
    // Shared again (Redis came back empty: a full bucket).
    expect(await requests.take(key)).toBeNull();
    expect(await store.check()).toEqual({ store: 'redis', state: 'up', failure: 'open' });
    expect(logged(/unreachable/)).toHaveLength(1);
  });

  it('failing closed: refuses decisions it cannot take, still reads and refunds, and is not ready', async () => {
    const { store } = storeOn(redis.url, { failure: 'closed' });
    await store.start();
    const requests = store.buckets('requests', { perSecond: 1, burst: 5 });
    const keys = store.keyFailures({ failures: 2, windowSeconds: 60 });
    await redis.stop();
    const refusal = await requests.take(fresh('closed')).catch((error: unknown) => error);
    expect(isRateLimitStoreUnavailable(refusal)).toBe(true);
    expect(isRateLimitStoreUnavailable(await keys.refused(fresh('10.2.2.2')).catch((e: unknown) => e))).toBe(true);
    // Recording a wrong key, reading a budget, giving back: never refused.
    await expect(keys.failed(fresh('10.2.2.2'))).resolves.toBeUndefined();
    expect((await requests.spend(fresh('closed'), 0)).paid).toBe(true);
    const health = await store.check();
    expect(health).toEqual({ store: 'redis', state: 'down', failure: 'closed' });
    expect(store.ready(health)).toBe(false);
    expect(store.downDecisions.get('requests')?.count).toBe(1);
    expect(store.downDecisions.get('api_keys')?.count).toBe(1);
    await redis.restart();
    await waitFor(() => store.up);
    expect(await requests.take(fresh('closed'))).toBeNull();
  });

  it('when Redis is too slow, decides within the command timeout and asks it again at most once a second', async () => {
    const { store, logged } = storeOn(redis.url, { failure: 'open' });
    await store.start();
    const requests = store.buckets('requests', { perSecond: 1, burst: 5 });
    redis.pause();
    try {
      let started = performance.now();
      expect(await requests.take(fresh('slow'))).toBeNull();
      const first = performance.now() - started;
      expect(first).toBeGreaterThanOrEqual(150);
      expect(first).toBeLessThan(1000);
      // The next ones within the second do not wait for it.
      started = performance.now();
      for (let i = 0; i < 10; i++) expect(await requests.take(fresh('slow'))).toBeNull();
      expect(performance.now() - started).toBeLessThan(190); // not one timeout, let alone ten
      expect(logged(/unreachable/)).toHaveLength(1);
      expect(logged(/unreachable/)[0].reason).toMatch(/timed out/i);
    } finally {
      redis.resume();
    }
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await requests.take(fresh('slow'))).toBeNull();
    expect(store.up).toBe(true);
    expect(logged(/reachable again/)).toHaveLength(1);
  });

  it('starts, and says it is down, when nothing listens at REDIS_URL', async () => {
    const nobody = await startRedisServer();
    const url = nobody.url;
    await nobody.stop();
    const { store, logged } = storeOn(url, { failure: 'closed' });
    const started = performance.now();
    await store.start();
    expect(performance.now() - started).toBeLessThan(2500);
    expect(store.up).toBe(false);
    expect(logged(/unreachable/)).toHaveLength(1);
    // Never the store's own words to a client: the error carries none of them.
    const error = (await store
      .buckets('tokens', { perSecond: 1, burst: 1 })
      .take('ip:127.0.0.1')
      .catch((e: unknown) => e)) as Error;
    expect(isRateLimitStoreUnavailable(error)).toBe(true);
    expect(error.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|writeable/);
  });
});

describe('RATE_LIMIT_STORE', () => {
  const REQUIRED = {
    DATABASE_URL: 'postgres://localhost/none',
    INTERNAL_JWT_SECRET: 'x'.repeat(32),
    KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  };
  const settings = (env: Record<string, string> = {}) => gatewayEnvSchema.parse({ ...REQUIRED, ...env });

  it('is memory by default, needs a redis:// REDIS_URL with redis, and fails open unless told', async () => {
    const defaults = settings();
    expect([defaults.RATE_LIMIT_STORE, defaults.RATE_LIMIT_REDIS_FAILURE, defaults.REDIS_URL]).toEqual([
      'memory',
      'open',
      undefined,
    ]);
    const memory = hardeningOf(defaults);
    expect(memory.store.kind).toBe('memory');
    expect(memory.requests).toBeInstanceOf(RateLimiter);
    expect(memory.keyFailures).toBeInstanceOf(KeyFailures);
    expect(() => settings({ RATE_LIMIT_STORE: 'redis' })).toThrow(
      /REDIS_URL[\s\S]*required with RATE_LIMIT_STORE=redis/,
    );
    expect(() => settings({ RATE_LIMIT_STORE: 'redis', REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(/redis:\/\//);
    expect(() => settings({ RATE_LIMIT_REDIS_FAILURE: 'maybe' })).toThrow();
    const shared = hardeningOf(settings({ RATE_LIMIT_STORE: 'redis', REDIS_URL: redis.url }), {
      logger: memoryLogger('gateway').logger,
    });
    try {
      await shared.store.start();
      expect(shared.store.kind).toBe('redis');
      expect(shared.store.up).toBe(true);
      // The same limits as the memory store's, from the same settings.
      expect([shared.requests.limit, shared.tokens.limit, shared.costs.limit, shared.keyFailures.limit]).toEqual([
        memory.requests.limit,
        memory.tokens.limit,
        memory.costs.limit,
        memory.keyFailures.limit,
      ]);
    } finally {
      await shared.store.close();
    }
  });
});

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
