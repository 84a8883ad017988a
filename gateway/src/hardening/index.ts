import { type Logger, createLogger } from '@pos/kit';
import type { ValidationRule } from 'graphql';
import type { GatewayConfig } from '../config';
import { type OperationLimits, operationLimitRules } from './limits';
import { CostLimits } from './cost';
import { KeyFailures } from './key-failures';
import { type RateLimit, RateLimiter } from './rate-limit';
import { RedisRateLimitStore } from './redis-store';
import { type BucketStore, type KeyFailureStore, type RateLimitStore, memoryStore } from './store';

export { CostLimits, costPlugin, setRateLimitHeaders } from './cost';
export type { CostLimit, OperationCost } from './cost';
export { bodyErrorHandler, callerKey, clientAddress, rateLimitMiddleware } from './http';
export { documentLimits, maxCostRule, maxDepthRule, measureOperation, operationLimitRules } from './limits';
export type { OperationLimits } from './limits';
export { KeyFailures, isTooManyKeyFailures, tooManyKeyFailures } from './key-failures';
export type { KeyFailureLimit } from './key-failures';
export { unknownOperationRefused } from './operation';
export { RateLimiter } from './rate-limit';
export type { RateLimit, RateLimited, Spent } from './rate-limit';
export { REDIS_COMMAND_TIMEOUT_MS, RedisRateLimitStore } from './redis-store';
export {
  RATE_LIMIT_FAILURE_MODES,
  RATE_LIMIT_STORES,
  isPending,
  isRateLimitStoreUnavailable,
  memoryStore,
  rateLimitUnavailable,
  whenDecided,
} from './store';
export type {
  BucketStore,
  Decided,
  KeyFailureStore,
  RateLimitFailureMode,
  RateLimitStore,
  RateLimitStoreHealth,
} from './store';

/** The gateway's limits, from its settings (docs/api/rate-limits.md). */
export interface Hardening {
  operationLimits: OperationLimits;
  /** Apollo Server's `validationRules`, and what graphql-ws subscribe messages are checked with. */
  validationRules: ValidationRule[];
  maxBodyBytes: number;
  /** Per caller: /graphql over HTTP, REST, the public pages (by address) and graphql-ws subscribe messages. */
  requests: BucketStore;
  /** Per address: POST /oauth2/token. */
  tokens: BucketStore;
  /** Per caller: the calculated cost of every operation, on every transport. */
  costs: CostLimits<BucketStore>;
  /** Per address: wrong X-Api-Key values, on every transport (bounded guessing of a key a person types). */
  keyFailures: KeyFailureStore;
  /** Where all four keep their state (RATE_LIMIT_STORE): /readyz and /metrics report it; closed with the gateway. */
  store: RateLimitStore;
}

export interface HardeningOptions {
  /** Where the shared store's outages are logged (RATE_LIMIT_STORE=redis). */
  logger?: Logger;
  /** Milliseconds from any fixed origin for the memory limiters; tests pass their own to move time. */
  now?: () => number;
}

/**
 * Reads the hardening settings. Every limit is on in every mode, off only when set to 0: the defaults are generous
 * enough that the demo, the tests and one person at a console never meet them, and what sends more on purpose (the
 * benchmark) turns them off explicitly and says so.
 */
export function hardeningOf(config: GatewayConfig, options: HardeningOptions = {}): Hardening {
  const { now } = options;
  const operationLimits: OperationLimits = {
    maxDepth: config.MAX_QUERY_DEPTH,
    maxCost: config.MAX_QUERY_COST,
    defaultListSize: config.QUERY_COST_LIST_SIZE,
  };
  const bucket = (perSecond: number, burst: number | undefined, burstFactor: number): RateLimit => ({
    perSecond,
    burst: burst ?? Math.max(1, perSecond * burstFactor),
  });
  const requests = bucket(config.RATE_LIMIT_PER_SECOND, config.RATE_LIMIT_BURST, 2);
  const tokens = bucket(config.TOKEN_RATE_LIMIT_PER_SECOND, config.TOKEN_RATE_LIMIT_BURST, 10);
  const cost = { maximumAvailable: config.COST_LIMIT_MAXIMUM, restoreRate: config.COST_LIMIT_RESTORE_PER_SECOND };
  const costBuckets: RateLimit = { perSecond: cost.restoreRate, burst: cost.maximumAvailable };
  const keyFailures = {
    failures: config.API_KEY_FAILURES_PER_ADDRESS,
    windowSeconds: config.API_KEY_FAILURE_WINDOW_SECONDS,
  };
  const limits = {
    operationLimits,
    validationRules: operationLimitRules(operationLimits),
    maxBodyBytes: config.MAX_BODY_BYTES,
  };
  if (config.RATE_LIMIT_STORE === 'redis') {
    // One state for every replica (redis-store.ts); the config requires REDIS_URL with this store.
    const store = new RedisRateLimitStore({
      url: config.REDIS_URL!,
      failure: config.RATE_LIMIT_REDIS_FAILURE,
      logger: options.logger ?? createLogger('gateway', config.LOG_LEVEL),
    });
    return {
      ...limits,
      requests: store.buckets('requests', requests),
      tokens: store.buckets('tokens', tokens),
      costs: new CostLimits(cost, operationLimits, undefined, store.buckets('cost', costBuckets)),
      keyFailures: store.keyFailures(keyFailures),
      store,
    };
  }
  return {
    ...limits,
    requests: new RateLimiter(requests, now),
    tokens: new RateLimiter(tokens, now),
    costs: new CostLimits(cost, operationLimits, now),
    keyFailures: new KeyFailures(keyFailures, now),
    store: memoryStore,
  };
}
