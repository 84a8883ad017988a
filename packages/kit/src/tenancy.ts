import { unauthenticated } from './errors';
import type { Principal } from './internal-auth';
import { requireAnyScope } from './scopes';
import type { RequestContext } from './server';

/** The tenant every query of this request is scoped to; throws UNAUTHENTICATED when the gateway proved none. */
export function requirePrincipal(ctx: Pick<RequestContext, 'principal'>): Principal {
  if (!ctx.principal) throw unauthenticated();
  return ctx.principal;
}

/** The caller of a root read field: authenticated, and holding one of the field's read scopes ({@link READ_SCOPES}). */
export function requireReader(ctx: Pick<RequestContext, 'principal'>, scopes: readonly string[]): Principal {
  const principal = requirePrincipal(ctx);
  requireAnyScope(principal, scopes);
  return principal;
}

/** Whether the caller may act on this location of its tenant (POS users only on the locations of their roles). */
export function mayActAtLocation(principal: Principal, locationId: number): boolean {
  return principal.locationIds === null || principal.locationIds.includes(locationId);
}

/**
 * The filter that scopes a query to what the caller may see: its tenant, and for a POS user the locations of its
 * roles. `locationField` names the location column of the entity (`id` for a location itself).
 */
export function callerScope(principal: Principal, locationField = 'locationId') {
  return {
    tenantId: principal.tenantId,
    ...(principal.locationIds ? { [locationField]: { $in: principal.locationIds } } : {}),
  };
}
