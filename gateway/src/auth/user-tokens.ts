import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '@pos/kit';
import { PosUser } from '../identity/identity.entities';
import { type TokenSigner, signAccessToken } from './access-tokens';
import { type RoleSlug, isRoleSlug, scopesOfRoles } from './roles';

/**
 * `client_id` of every POS user token. Cognito puts the app client in user access tokens too; a fixed id that no
 * partner client can take (partner clients never carry `username`) is how the verifier tells the two kinds apart.
 */
export const POS_APP_CLIENT_ID = 'pos-app';

/** The custom claim listing the user's location roles: `[{ "location_id": 1, "role": "location_cashier" }]`. */
export const ROLES_CLAIM = 'pos:roles';

/**
 * The session a user token belongs to (OpenID's `sid`): tokens of a launch-link session carry it, and the verifier
 * refuses them once that session is revoked. Tokens minted without a session (the test helper) do not carry it.
 */
export const SESSION_CLAIM = 'sid';

export interface LocationRole {
  locationId: number;
  role: RoleSlug;
}

/** An active POS user as a token is minted or checked against. */
export interface UserGrant {
  id: string;
  tenantId: string;
  email: string;
  /** Sorted by location; only roles the gateway knows (an unknown slug grants nothing). */
  roles: LocationRole[];
}

export interface IssuedUserToken {
  accessToken: string;
  /** Seconds, as in an OAuth token response. */
  expiresIn: number;
  /** Space-separated, as in the token. */
  scope: string;
}

/** Refusal to mint a user token: the user is unknown, inactive or holds no role. */
export class UserTokenError extends Error {}

/** The active user `userId` with its current roles, or null when it is unknown or inactive. */
export async function loadUserGrant(em: EntityManager, userId: string): Promise<UserGrant | null> {
  // Not a uuid cannot be a user, and PostgreSQL would reject it in a uuid comparison rather than miss.
  if (!isUuid(userId)) return null;
  const user = await em.findOne(PosUser, { id: userId.toLowerCase(), active: true }, { populate: ['roles'] });
  if (!user) return null;
  const roles = user.roles
    .getItems()
    .flatMap((r) => (isRoleSlug(r.roleSlug) ? [{ locationId: r.locationId, role: r.roleSlug }] : []))
    .sort((a, b) => a.locationId - b.locationId);
  return { id: user.id, tenantId: user.partner.id, email: user.email, roles };
}

/**
 * Mints a Cognito-shaped access token for a POS user: `sub` is the user id, `username` the email, `client_id` the
 * POS app, `scope` the union of the scopes of the user's roles and {@link ROLES_CLAIM} the roles per location (the
 * roles given: a session's tokens name only its location), and {@link SESSION_CLAIM} the session, if any.
 */
export async function mintUserAccessToken(
  signer: TokenSigner,
  user: Pick<UserGrant, 'id' | 'email' | 'roles'>,
  options: { sessionId?: string } = {},
): Promise<IssuedUserToken> {
  // A token that opens no location would only fail later, at every request, for a less obvious reason.
  if (!user.roles.length) throw new UserTokenError('The POS user holds no location role');
  const scope = scopesOfRoles(user.roles.map((r) => r.role)).join(' ');
  const accessToken = await signAccessToken(signer, user.id, {
    client_id: POS_APP_CLIENT_ID,
    username: user.email,
    scope,
    [ROLES_CLAIM]: user.roles.map((r) => ({ location_id: r.locationId, role: r.role })),
    ...(options.sessionId ? { [SESSION_CLAIM]: options.sessionId } : {}),
  });
  return { accessToken, expiresIn: signer.tokenTtlSeconds, scope };
}

/** Loads the user and mints its token; throws {@link UserTokenError} when the user is unknown or inactive. */
export async function issueUserSession(
  signer: TokenSigner,
  em: EntityManager,
  userId: string,
): Promise<IssuedUserToken> {
  const user = await loadUserGrant(em, userId);
  if (!user) throw new UserTokenError('Unknown or inactive POS user');
  return mintUserAccessToken(signer, user);
}

/**
 * The roles claim of a verified token, or null when it is not exactly what {@link mintUserAccessToken} writes: a
 * non-empty list of known roles at distinct positive integer locations.
 */
export function parseRolesClaim(value: unknown): LocationRole[] | null {
  if (!Array.isArray(value) || !value.length) return null;
  const roles: LocationRole[] = [];
  for (const entry of value as unknown[]) {
    if (typeof entry !== 'object' || entry === null) return null;
    const { location_id: locationId, role } = entry as Record<string, unknown>;
    if (typeof locationId !== 'number' || !Number.isSafeInteger(locationId) || locationId < 1) return null;
    if (!isRoleSlug(role) || roles.some((r) => r.locationId === locationId)) return null;
    roles.push({ locationId, role });
  }
  return roles;
}
