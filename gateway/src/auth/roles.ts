import { OPERATOR_SCOPES, PERSON_SCOPES, SCOPES } from '@pos/kit';
import type { PortalRole } from '../identity/identity.entities';

const CASHIER_SCOPES = [SCOPES.posRead, SCOPES.posOrders, SCOPES.posPayments];

/**
 * What each location role of a POS user may do. The only place roles are defined: tokens are minted from it, the
 * verifier narrows a token to it when roles change, and user provisioning validates role slugs against it.
 */
export const ROLE_SCOPES = {
  location_cashier: CASHIER_SCOPES,
  // Money going back stays with managers.
  location_manager: [...CASHIER_SCOPES, SCOPES.posRefunds],
} as const satisfies Record<string, readonly string[]>;

export type RoleSlug = keyof typeof ROLE_SCOPES;

/** The role a provisioned user gets when none is named. */
export const DEFAULT_ROLE_SLUG: RoleSlug = 'location_cashier';

export function isRoleSlug(value: unknown): value is RoleSlug {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ROLE_SCOPES, value);
}

/** The union of the scopes of `roles`, in a stable order (SCOPES' order), without duplicates. */
export function scopesOfRoles(roles: Iterable<RoleSlug>): string[] {
  const granted = new Set<string>();
  for (const role of roles) for (const scope of ROLE_SCOPES[role]) granted.add(scope);
  return Object.values(SCOPES).filter((scope) => granted.has(scope));
}

/**
 * What each role of a portal person (auth/password-sign-in.ts) may do through the API: a partner's admin reads its
 * data and manages its webhooks, launch links, API clients and loyalty programs, a developer its integrations
 * (webhooks and API clients, no loyalty settings), an operator the platform's dead-letter queues and nothing of a
 * partner's own. The token of a person carries these scopes.
 */
export const PORTAL_ROLE_SCOPES = {
  partner_admin: [
    SCOPES.posRead,
    SCOPES.webhooksSubscribe,
    SCOPES.posLaunch,
    SCOPES.loyaltyAdmin,
    PERSON_SCOPES.clientsAdmin,
  ],
  partner_developer: [SCOPES.posRead, SCOPES.webhooksSubscribe, PERSON_SCOPES.clientsAdmin],
  operator: [OPERATOR_SCOPES.webhooksAdmin],
} as const satisfies Record<PortalRole, readonly string[]>;

/**
 * The scopes a person of each role may give an API client they create, before the partner's own grant narrows them
 * (Partner.grantedScopes): an admin any partner scope, a developer any but the loyalty programs' administration. No
 * role may grant an operator's or a person's scope: those are never a partner client's.
 */
export const GRANTABLE_SCOPES = {
  partner_admin: Object.values(SCOPES),
  partner_developer: Object.values(SCOPES).filter((scope) => scope !== SCOPES.loyaltyAdmin),
  operator: [],
} as const satisfies Record<PortalRole, readonly string[]>;
