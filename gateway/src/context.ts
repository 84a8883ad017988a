import { type Principal, principalScopeKey, signInternalContext } from '@pos/kit';

/** The gateway's per-request context: who the caller is (verified) and the request id to forward. */
export interface GatewayContext {
  requestId: string;
  principal: Principal | null;
}

/**
 * The caller's context of a subgraph fetch. Apollo types it loosely (`Record<string, any>`) because its own
 * fetches, health checks and schema loads, have none: those get an empty one here.
 */
export const fetchContextOf = (options: { context?: Partial<GatewayContext> }): Partial<GatewayContext> =>
  options.context ?? {};

const TOKEN_TTL_SECONDS = 300;
const cache = new Map<string, { token: string; renewAt: number }>();

/**
 * The signed internal context for a principal, reused for half its lifetime: signing per subgraph fetch would
 * cost an HMAC per fetch for nothing. Bounded so a flood of distinct callers cannot grow it without limit.
 */
export async function internalContextFor(secret: string, principal: Principal): Promise<string> {
  const key = principalScopeKey(principal);
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.renewAt > now) return hit.token;
  const token = await signInternalContext(secret, principal, TOKEN_TTL_SECONDS);
  if (cache.size >= 10_000) cache.clear();
  cache.set(key, { token, renewAt: now + (TOKEN_TTL_SECONDS * 1000) / 2 });
  return token;
}
