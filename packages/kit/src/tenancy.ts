import { unauthenticated } from './errors';
import type { Principal } from './internal-auth';
import type { RequestContext } from './server';

/** The tenant every query of this request is scoped to; throws UNAUTHENTICATED when the gateway proved none. */
export function requirePrincipal(ctx: Pick<RequestContext, 'principal'>): Principal {
  if (!ctx.principal) throw unauthenticated();
  return ctx.principal;
}
