import type { Logger } from '@pos/kit';
import { Redis } from 'ioredis';
import { KeyFailures, type KeyFailureLimit } from './key-failures';
import { type RateLimit, type RateLimited, RateLimiter, type Spent } from './rate-limit';
import {
  type BucketStore,
  type KeyFailureStore,
  type LimiterName,
  type RateLimitFailureMode,
  type RateLimitStore,
  type RateLimitStoreHealth,
  RateLimitStoreUnavailable,
} from './store';

/**
 * RATE_LIMIT_STORE=redis: the gateway's limits kept in one Redis for every replica, so N gateways enforce one limit
 * (store.ts has the interface; rate-limit.ts and key-failures.ts the semantics, which these keep exactly).
 *
 * Each limit is one Lua script run atomically by Redis: a token bucket is a hash (`tokens`, `at`) brought up to date
 * by the time elapsed since `at` on Redis's own clock (`TIME`: one clock for all replicas, whatever theirs say), then
 * spent only when it holds the amount, so a refused request spends nothing; the wrong API keys of an address are a
 * list of moments. Every key is `pos:rl:<limiter>:<key>` and expires when it would be the same as no key: a bucket
 * when it has refilled, an address's moments when the last one has left the window. Why scripts and not
 * rate-limiter-flexible: its Redis limiters count points in fixed windows, with no refill per second, no refund of a
 * part of what was spent and no "the oldest failure leaves the window"; the scripts are short and exact.
 *
 * When Redis cannot be reached (refused, or slower than the command timeout), RATE_LIMIT_REDIS_FAILURE decides:
 * `open` decides with this replica's own memory limiters, as RATE_LIMIT_STORE=memory does (a bound per replica, not
 * none); `closed` refuses the request (RateLimitStoreUnavailable: 503 with the reason `rate_limit_unavailable`).
 * Reading a budget and giving back what a query did not use never refuse anything: they use this replica's
 * buckets while Redis is down, in both modes. The outage is logged once when it starts and once when it ends, and
 * while it lasts Redis is asked again at most once a second (and at once when the connection comes back), so a
 * slow Redis costs one request a second its timeout, not every request.
 */

/** The longest a limit waits for Redis before it decides without it. */
export const REDIS_COMMAND_TIMEOUT_MS = 200;
const CONNECT_TIMEOUT_MS = 1000;
/** How long a starting gateway waits for its first connection before it serves (and decides without Redis). */
const START_WAIT_MS = 2000;
/** While Redis is down, how often a request still tries it (the others decide without it at once). */
const PROBE_INTERVAL_MS = 1000;
export const REDIS_KEY_PREFIX = 'pos:rl:';

/** Every script's clock, `now` in ms: ARGV[n] the time a test passes, or '' for Redis's own TIME. */
const clock = (n: number) => `
local now
if ARGV[${n}] == '' then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
else
  now = tonumber(ARGV[${n}])
end
`;

/** The clock of the key scripts: ARGV[3]. */
const KEY_CLOCK = clock(3);

/**
 * A token bucket (rate-limit.ts RateLimiter.spend and .refund, step for step). KEYS[1] the bucket; ARGV: refill per
 * second, burst, amount, `spend` or `refund`, and the time in ms ('' for Redis's TIME; tests pass their own clock).
 * Answers { paid (1/0), floor(tokens), retry-after seconds, seconds until full }.
 */
const TOKEN_BUCKET = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local amount = tonumber(ARGV[3])
${clock(5)}local stored = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(stored[1])
local at = tonumber(stored[2])
if tokens == nil or at == nil then
  tokens = burst
else
  tokens = math.min(burst, tokens + (math.max(0, now - at) / 1000) * rate)
end
local paid = 1
local retry = 0
local full
if ARGV[4] == 'refund' then
  full = math.ceil((burst - tokens) / rate)
  tokens = math.min(burst, tokens + amount)
else
  if tokens >= amount then tokens = tokens - amount else paid = 0 end
  if paid == 0 then retry = math.max(1, math.ceil((amount - tokens) / rate)) end
  full = math.ceil((burst - tokens) / rate)
end
local ttl = math.ceil((burst - tokens) / rate * 1000)
if ttl > 0 then
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%.17g', now))
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  redis.call('DEL', KEYS[1])
end
return { paid, math.floor(tokens), retry, full }
`;

/**
 * KeyFailures.refused: KEYS[1] the address's moments; ARGV failures, window (ms), time. Answers 0 when the address
 * may have a key checked, else the seconds until the oldest wrong key in the window leaves it (at least 1).
 */
const KEYS_REFUSED = `
local failures = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
${KEY_CLOCK}
local moments = redis.call('LRANGE', KEYS[1], 0, -1)
local count = 0
local oldest = nil
for i = 1, #moments do
  local moment = tonumber(moments[i])
  if now - moment < window then
    count = count + 1
    if oldest == nil then oldest = moment end
  end
end
if count < failures then return 0 end
return math.max(1, math.ceil((oldest + window - now) / 1000))
`;

/**
 * KeyFailures.failed: the moment appended, only the newest `failures` kept (the oldest of them is when the address
 * may try again), the list expiring with the window.
 */
const KEY_FAILED = `
local failures = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
${KEY_CLOCK}
redis.call('RPUSH', KEYS[1], string.format('%.17g', now))
redis.call('LTRIM', KEYS[1], -failures, -1)
redis.call('PEXPIRE', KEYS[1], window)
return 1
`;

type Clock = string;

interface ScriptedRedis extends Redis {
  posTokenBucket(
    key: string,
    rate: number,
    burst: number,
    amount: number,
    mode: 'spend' | 'refund',
    now: Clock,
  ): Promise<[number, number, number, number]>;
  posKeysRefused(key: string, failures: number, windowMs: number, now: Clock): Promise<number>;
  posKeyFailed(key: string, failures: number, windowMs: number, now: Clock): Promise<number>;
}

export interface RedisStoreOptions {
  /** redis:// or rediss:// (TLS), with a password and a database number when needed. */
  url: string;
  failure: RateLimitFailureMode;
  logger: Logger;
  /** Milliseconds for the scripts instead of Redis's TIME: tests pass the clock they give the memory limiters. */
  now?: () => number;
  commandTimeoutMs?: number;
}

export class RedisRateLimitStore implements RateLimitStore {
  readonly kind = 'redis' as const;
  readonly failure: RateLimitFailureMode;
  readonly downDecisions = new Map<string, { limiter: LimiterName; failure: RateLimitFailureMode; count: number }>();
  private readonly client: ScriptedRedis;
  private readonly logger: Logger;
  private readonly clock: () => Clock;
  /** `connecting` until the first answer or failure; down/up transitions are logged. */
  private state: 'connecting' | 'up' | 'down' = 'connecting';
  /** While down: when a request may try Redis again (performance.now()). */
  private probeAt = 0;
  private closing = false;

  constructor(options: RedisStoreOptions) {
    this.failure = options.failure;
    this.logger = options.logger;
    const now = options.now;
    this.clock = now ? () => String(now()) : () => '';
    this.client = new Redis(options.url, {
      // Fail fast, never queue: a limit decides within the timeout or without Redis.
      commandTimeout: options.commandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS,
      connectTimeout: CONNECT_TIMEOUT_MS,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // A spend sent again after a reconnect could be counted twice.
      autoResendUnfulfilledCommands: false,
      // Reconnect for ever, at most a second apart: the outage ends as soon as Redis is back.
      retryStrategy: (times) => Math.min(times * 100, 1000),
      connectionName: 'pos-gateway-rate-limits',
    }) as ScriptedRedis;
    this.client.defineCommand('posTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET });
    this.client.defineCommand('posKeysRefused', { numberOfKeys: 1, lua: KEYS_REFUSED });
    this.client.defineCommand('posKeyFailed', { numberOfKeys: 1, lua: KEY_FAILED });
    // ioredis reports each failed reconnect as an 'error' event: without a listener it would print them all.
    this.client.on('error', (error: Error) => this.markDown(error));
    this.client.on('ready', () => this.markUp());
    this.client.on('close', () => {
      if (!this.closing) this.markDown(new Error('connection closed'));
    });
  }

  get up(): boolean {
    return this.state === 'up';
  }

  /** The token buckets of one limiter, kept under `pos:rl:<name>:`. */
  buckets(name: LimiterName, limit: RateLimit): RedisBuckets {
    return new RedisBuckets(this, name, limit);
  }

  keyFailures(limit: KeyFailureLimit): RedisKeyFailures {
    return new RedisKeyFailures(this, limit);
  }

  async check(): Promise<RateLimitStoreHealth> {
    try {
      await this.client.ping();
      this.markUp();
    } catch (error) {
      this.markDown(error);
    }
    return { store: 'redis', state: this.up ? 'up' : 'down', failure: this.failure };
  }

  /** Failing closed, a gateway without its store refuses every limited request: not ready, as without a subgraph. */
  ready(health: RateLimitStoreHealth): boolean {
    return health.store === 'memory' || health.state === 'up' || this.failure === 'open';
  }

  async start(): Promise<void> {
    const deadline = Date.now() + START_WAIT_MS;
    while (this.state === 'connecting' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (this.state === 'connecting') this.markDown(new Error(`not connected within ${START_WAIT_MS} ms`));
  }

  close(): Promise<void> {
    this.closing = true;
    this.client.disconnect();
    return Promise.resolve();
  }

  /** The connection with the scripts, for the limiters below. */
  get redis(): ScriptedRedis {
    return this.client;
  }

  /** The scripts' clock argument: '' (Redis's TIME) unless a test gave its own. */
  now(): Clock {
    return this.clock();
  }

  /**
   * `command` against Redis; when Redis cannot answer, `fallback` (this replica's memory limiter) decides instead,
   * or, for a decision while failing closed, the request is refused. `decision`: whether the answer can refuse a
   * request (taking, spending, checking an address), as opposed to reading or giving back.
   */
  async run<T>(limiter: LimiterName, decision: boolean, command: () => Promise<T>, fallback: () => T): Promise<T> {
    if (this.state !== 'down' || performance.now() >= this.probeAt) {
      try {
        const answer = await command();
        this.markUp();
        return answer;
      } catch (error) {
        this.markDown(error);
      }
    }
    if (!decision) return fallback();
    const key = limiter;
    const counted = this.downDecisions.get(key) ?? { limiter, failure: this.failure, count: 0 };
    counted.count++;
    this.downDecisions.set(key, counted);
    if (this.failure === 'open') return fallback();
    throw new RateLimitStoreUnavailable(limiter);
  }

  private markUp(): void {
    const was = this.state;
    this.state = 'up';
    if (was === 'down') this.logger.warn({ store: 'redis' }, 'rate limit store reachable again: limits are shared');
  }

  private markDown(error: unknown): void {
    this.probeAt = performance.now() + PROBE_INTERVAL_MS;
    if (this.state === 'down' || this.closing) return;
    this.state = 'down';
    // The error's own words go to the log only (never to a client); the URL is not logged: it may hold a password.
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(
      { store: 'redis', failure: this.failure, reason },
      this.failure === 'open'
        ? 'rate limit store unreachable: each replica limits on its own until it is back'
        : 'rate limit store unreachable: limited requests are refused (503) until it is back',
    );
  }
}

export class RedisBuckets implements BucketStore {
  /** What decides while Redis is down (failing open), and what reads and refunds use meanwhile. */
  private readonly local: RateLimiter;

  constructor(
    private readonly store: RedisRateLimitStore,
    private readonly name: LimiterName,
    readonly limit: RateLimit,
  ) {
    this.local = new RateLimiter(limit);
  }

  get enabled(): boolean {
    return this.limit.perSecond > 0;
  }

  async take(key: string): Promise<RateLimited | null> {
    if (!this.enabled) return null;
    const spent = await this.spend(key, 1);
    return spent.paid ? null : { retryAfterSeconds: spent.retryAfterSeconds };
  }

  spend(key: string, amount: number): Promise<Spent> {
    return this.store.run(
      this.name,
      amount > 0,
      () => this.script(key, amount, 'spend'),
      () => this.local.spend(key, amount),
    );
  }

  refund(key: string, amount: number): Promise<Spent> {
    return this.store.run(
      this.name,
      false,
      () => this.script(key, amount, 'refund'),
      () => this.local.refund(key, amount),
    );
  }

  private async script(key: string, amount: number, mode: 'spend' | 'refund'): Promise<Spent> {
    const { perSecond, burst } = this.limit;
    const [paid, available, retryAfterSeconds, fullInSeconds] = await this.store.redis.posTokenBucket(
      `${REDIS_KEY_PREFIX}${this.name}:${key}`,
      perSecond,
      burst,
      amount,
      mode,
      this.store.now(),
    );
    return { paid: paid === 1, available, retryAfterSeconds, fullInSeconds };
  }
}

export class RedisKeyFailures implements KeyFailureStore {
  private readonly local: KeyFailures;

  constructor(
    private readonly store: RedisRateLimitStore,
    readonly limit: KeyFailureLimit,
  ) {
    this.local = new KeyFailures(limit);
  }

  get enabled(): boolean {
    return this.limit.failures > 0;
  }

  private key(address: string): string {
    return `${REDIS_KEY_PREFIX}api_keys:${address}`;
  }

  async refused(address: string): Promise<RateLimited | null> {
    if (!this.enabled) return null;
    const { failures, windowSeconds } = this.limit;
    return this.store.run(
      'api_keys',
      true,
      async () => {
        const wait = await this.store.redis.posKeysRefused(
          this.key(address),
          failures,
          windowSeconds * 1000,
          this.store.now(),
        );
        return wait > 0 ? { retryAfterSeconds: wait } : null;
      },
      () => this.local.refused(address),
    );
  }

  async failed(address: string): Promise<void> {
    if (!this.enabled) return;
    const { failures, windowSeconds } = this.limit;
    await this.store.run(
      'api_keys',
      false,
      async () => {
        await this.store.redis.posKeyFailed(this.key(address), failures, windowSeconds * 1000, this.store.now());
      },
      () => this.local.failed(address),
    );
  }
}
