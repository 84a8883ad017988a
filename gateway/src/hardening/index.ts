import type { ValidationRule } from 'graphql';
import type { GatewayConfig } from '../config';
import { type OperationLimits, operationLimitRules } from './limits';
import { type RateLimit, RateLimiter } from './rate-limit';

export { bodyErrorHandler, callerKey, rateLimitMiddleware } from './http';
export { documentLimits, maxCostRule, maxDepthRule, measureOperation, operationLimitRules } from './limits';
export type { OperationLimits } from './limits';
export { RateLimiter } from './rate-limit';
export type { RateLimit, RateLimited } from './rate-limit';

/** Per caller, in production unless set: 50 requests a second, bursts of 100. */
export const PRODUCTION_RATE_LIMIT: RateLimit = { perSecond: 50, burst: 100 };
/** Per address at the token endpoint, in production unless set: one a second, bursts of 10 (scrypt ~50 ms each). */
export const PRODUCTION_TOKEN_RATE_LIMIT: RateLimit = { perSecond: 1, burst: 10 };

function rateLimit(
  perSecond: number | undefined,
  burst: number | undefined,
  production: RateLimit,
  burstFactor: number,
) {
  const rate = perSecond ?? production.perSecond;
  return {
    perSecond: rate,
    burst: burst ?? (perSecond === undefined ? production.burst : Math.max(1, rate * burstFactor)),
  };
}

/** The gateway's limits, from its settings (README "Hardening"). */
export interface Hardening {
  operationLimits: OperationLimits;
  /** Apollo Server's `validationRules`, and what graphql-ws subscribe messages are checked with. */
  validationRules: ValidationRule[];
  maxBodyBytes: number;
  /** Per caller: /graphql over HTTP, REST, the public pages (by address) and graphql-ws subscribe messages. */
  requests: RateLimiter;
  /** Per address: POST /oauth2/token. */
  tokens: RateLimiter;
}

/**
 * Reads the hardening settings. Rate limits not set are on in production (NODE_ENV=production) and off elsewhere,
 * as introspection and Sandbox are the other way round: `pnpm start`, the tests and the benchmark send far more
 * from one client than a production limit allows, and a development gateway serves its developer alone.
 */
export function hardeningOf(config: GatewayConfig, now?: () => number): Hardening {
  const production = config.NODE_ENV === 'production';
  const off: RateLimit = { perSecond: 0, burst: 1 };
  const operationLimits: OperationLimits = {
    maxDepth: config.MAX_QUERY_DEPTH,
    maxCost: config.MAX_QUERY_COST,
    defaultListSize: config.QUERY_COST_LIST_SIZE,
  };
  return {
    operationLimits,
    validationRules: operationLimitRules(operationLimits),
    maxBodyBytes: config.MAX_BODY_BYTES,
    requests: new RateLimiter(
      rateLimit(config.RATE_LIMIT_PER_SECOND, config.RATE_LIMIT_BURST, production ? PRODUCTION_RATE_LIMIT : off, 2),
      now,
    ),
    tokens: new RateLimiter(
      rateLimit(
        config.TOKEN_RATE_LIMIT_PER_SECOND,
        config.TOKEN_RATE_LIMIT_BURST,
        production ? PRODUCTION_TOKEN_RATE_LIMIT : off,
        10,
      ),
      now,
    ),
  };
}
