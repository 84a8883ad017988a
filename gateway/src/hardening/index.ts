import type { ValidationRule } from 'graphql';
import type { GatewayConfig } from '../config';
import { type OperationLimits, operationLimitRules } from './limits';
import { CostLimits } from './cost';
import { KeyFailures } from './key-failures';
import { type RateLimit, RateLimiter } from './rate-limit';

export { CostLimits, costPlugin, setRateLimitHeaders } from './cost';
export type { CostLimit, OperationCost } from './cost';
export { bodyErrorHandler, callerKey, clientAddress, rateLimitMiddleware } from './http';
export { documentLimits, maxCostRule, maxDepthRule, measureOperation, operationLimitRules } from './limits';
export type { OperationLimits } from './limits';
export { KeyFailures, isTooManyKeyFailures, tooManyKeyFailures } from './key-failures';
export type { KeyFailureLimit } from './key-failures';
export { unknownOperationRefused } from './operation';
export { RateLimiter } from './rate-limit';
export type { RateLimit, RateLimited } from './rate-limit';

/** The gateway's limits, from its settings (docs/api/rate-limits.md). */
export interface Hardening {
  operationLimits: OperationLimits;
  /** Apollo Server's `validationRules`, and what graphql-ws subscribe messages are checked with. */
  validationRules: ValidationRule[];
  maxBodyBytes: number;
  /** Per caller: /graphql over HTTP, REST, the public pages (by address) and graphql-ws subscribe messages. */
  requests: RateLimiter;
  /** Per address: POST /oauth2/token. */
  tokens: RateLimiter;
  /** Per caller: the calculated cost of every operation, on every transport. */
  costs: CostLimits;
  /** Per address: wrong X-Api-Key values, on every transport (bounded guessing of a key a person types). */
  keyFailures: KeyFailures;
}

/**
 * Reads the hardening settings. Every limit is on in every mode, off only when set to 0: the defaults are generous
 * enough that the demo, the tests and one person at a console never meet them, and what sends more on purpose (the
 * benchmark) turns them off explicitly and says so.
 */
export function hardeningOf(config: GatewayConfig, now?: () => number): Hardening {
  const operationLimits: OperationLimits = {
    maxDepth: config.MAX_QUERY_DEPTH,
    maxCost: config.MAX_QUERY_COST,
    defaultListSize: config.QUERY_COST_LIST_SIZE,
  };
  const bucket = (perSecond: number, burst: number | undefined, burstFactor: number): RateLimit => ({
    perSecond,
    burst: burst ?? Math.max(1, perSecond * burstFactor),
  });
  return {
    operationLimits,
    validationRules: operationLimitRules(operationLimits),
    maxBodyBytes: config.MAX_BODY_BYTES,
    requests: new RateLimiter(bucket(config.RATE_LIMIT_PER_SECOND, config.RATE_LIMIT_BURST, 2), now),
    tokens: new RateLimiter(bucket(config.TOKEN_RATE_LIMIT_PER_SECOND, config.TOKEN_RATE_LIMIT_BURST, 10), now),
    costs: new CostLimits(
      { maximumAvailable: config.COST_LIMIT_MAXIMUM, restoreRate: config.COST_LIMIT_RESTORE_PER_SECOND },
      operationLimits,
      now,
    ),
    keyFailures: new KeyFailures(
      { failures: config.API_KEY_FAILURES_PER_ADDRESS, windowSeconds: config.API_KEY_FAILURE_WINDOW_SECONDS },
      now,
    ),
  };
}
