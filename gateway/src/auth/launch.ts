import { randomBytes } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Clock, DomainError, ErrorCode, type Principal, isUuid } from '@pos/kit';
import type { GraphExecutor } from '../graph-executor';
import {
  ApiClient,
  LaunchToken,
  Partner,
  PosUser,
  PosUserRole,
  RefreshToken,
  UserSession,
  normalizeEmail,
} from '../identity/identity.entities';
import type { TokenSigner } from './access-tokens';
import { type RoleSlug, isRoleSlug } from './roles';
import { hashBearerSecret } from './secrets';
import { mintUserAccessToken } from './user-tokens';
import type { SessionState } from './verify';

/**
 * SSO launch links (Workstream D1). A partner's M2M client (scope `tilt/pos:launch`) mints a launch token for a
 * person at one of its locations; the POS app exchanges it once, without other credentials, for a session of the
 * gateway's issuer (standing in for a Cognito session): an access token for that location and a refresh token.
 * The rules live here, not in the REST routes that expose them.
 *
 * - Launch tokens are opaque (`lt_` + 32 random bytes, base64url), kept only as SHA-256, valid 10 minutes, usable
 *   once. A second exchange of a used token is refused and revokes the session the first one produced, as RFC 6749
 *   §4.1.2 asks of authorization codes.
 * - The first exchange for an email provisions the partner's POS user with the token's role at the token's
 *   location; later exchanges reuse the user. A user without a role at the location is given the token's role
 *   there; an existing role is never changed by a launch (no escalation, no demotion). A deactivated user is
 *   refused, not reactivated.
 * - A session opens the token's location only, whatever other roles the user holds. Its refresh token rotates on
 *   every use and works for {@link SESSION_TTL_SECONDS} from the launch. Every refresh token the session had is one
 *   family: presenting any but the newest revokes the session (OAuth 2.0 Security BCP, RFC 9700 §4.14.2).
 * - Signing out revokes the session with any of its refresh tokens (RFC 7009); nothing is said about unknown ones.
 */

/** RFC 6749 §4.1.2 recommends at most 10 minutes for a single-use code. */
export const LAUNCH_TOKEN_TTL_SECONDS = 600;
/** How long a launch's session can be refreshed: a long shift. A new launch starts a new session. */
export const SESSION_TTL_SECONDS = 12 * 3600;
/** `lt_` and 32 random bytes in base64url (43 characters): anything else cannot be a launch token. */
export const LAUNCH_TOKEN_PATTERN = /^lt_[A-Za-z0-9_-]{43}$/;
export const REFRESH_TOKEN_PATTERN = /^rt_[A-Za-z0-9_-]{43}$/;
/**
 * Where a launch link points, on the gateway's public URL: the POS staff's landing page, which the gateway serves
 * (apps/web/src/launch). The token travels in the fragment, which browsers never send to a server, so it stays out
 * of access logs and Referer headers; the page reads it, removes it from the address and posts it to the exchange.
 */
export const LAUNCH_PAGE_PATH = '/pos/launch';

export interface LaunchServiceDeps {
  em(): EntityManager;
  signer: TokenSigner;
  clock: Clock;
  /** The gateway's public URL, the base of launch links. */
  publicUrl: string;
  /** How the service learns whether a location is the caller's: the orders subgraph owns locations. */
  execute: GraphExecutor;
}

export interface LaunchRequestContext {
  principal: Principal;
  requestId: string;
}

export interface MintLaunchInput {
  locationId: number;
  email: string;
  name?: string | null;
  roleSlug: RoleSlug;
}

export interface MintedLaunchToken {
  token: string;
  launchUrl: string;
  expiresAt: Date;
  expiresIn: number;
  locationId: number;
  email: string;
  roleSlug: RoleSlug;
}

/** A session's tokens, as the exchange and the refresh grant hand them out. */
export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token lives. */
  expiresIn: number;
  scope: string;
  sessionId: string;
  sessionExpiresAt: Date;
  locationId: number;
  role: RoleSlug;
  user: { id: string; email: string; name: string };
}

export interface ExchangedLaunch extends SessionTokens {
  /** Whether this exchange provisioned the user. */
  userCreated: boolean;
}

const newSecret = (prefix: string): string => `${prefix}_${randomBytes(32).toString('base64url')}`;
const addSeconds = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000);

/** Refusals of the exchange: stable reasons, each its REST `code`. */
const refused = {
  invalidToken: (details: string[] = []) =>
    new DomainError(ErrorCode.UNAUTHENTICATED, 'The launch token is not valid', details, 'invalid_token'),
  expired: () =>
    new DomainError(
      ErrorCode.UNAUTHENTICATED,
      'The launch token has expired',
      [`launch tokens are valid for ${LAUNCH_TOKEN_TTL_SECONDS / 60} minutes; ask for a new launch link`],
      'token_expired',
    ),
  reused: () =>
    new DomainError(
      ErrorCode.UNAUTHENTICATED,
      'The launch token was already used',
      ['a launch token works once; the session it opened has been revoked'],
      'token_reused',
    ),
  locationMismatch: (tokenLocation: number, asked: number) =>
    new DomainError(
      ErrorCode.UNPROCESSABLE,
      'The launch token is for another location',
      [`location_id: the token opens location ${tokenLocation}, not ${asked}`],
      'location_mismatch',
    ),
  userInactive: () => new DomainError(ErrorCode.FORBIDDEN, 'The POS user is deactivated', [], 'user_inactive'),
  roleUnknown: (role: string) =>
    new DomainError(
      ErrorCode.FORBIDDEN,
      'The POS user’s role at this location grants nothing',
      [`role ${role} is not a known role`],
      'role_unknown',
    ),
};

/** Refusals of the refresh grant; the token endpoint answers them all as `invalid_grant`. */
export class RefreshRefused extends Error {}

/** The SSO launch-link flow: minting, exchanging, refreshing, signing out; see the module comment for the rules. */
export class LaunchService {
  constructor(private readonly deps: LaunchServiceDeps) {}

  /**
   * Mints a launch token for `input.email` at `input.locationId`, which must be a location of the caller's partner
   * (asked of the graph as the caller, so the orders subgraph applies its tenancy). Only M2M clients may mint.
   */
  async mint(ctx: LaunchRequestContext, input: MintLaunchInput): Promise<MintedLaunchToken> {
    const { principal } = ctx;
    // Scope tilt/pos:launch is only ever granted to partner clients, but a launch vouches for a person, which only
    // the partner's system may do: never a POS user, whatever its token holds.
    if (principal.kind !== 'm2m' || !principal.clientId) {
      throw new DomainError(ErrorCode.FORBIDDEN, 'Only a partner’s M2M client may create launch links');
    }
    if (!isRoleSlug(input.roleSlug)) {
      throw new DomainError(ErrorCode.BAD_USER_INPUT, 'Unknown role', [`roleSlug: ${input.roleSlug}`]);
    }
    await this.requireLocation(ctx, input.locationId);

    const now = this.deps.clock.now();
    const token = newSecret('lt');
    const em = this.deps.em();
    const row = em.create(LaunchToken, {
      tokenHash: hashBearerSecret(token),
      partner: em.getReference(Partner, principal.tenantId),
      locationId: input.locationId,
      email: normalizeEmail(input.email),
      name: input.name?.trim() || null,
      roleSlug: input.roleSlug,
      createdByClientId: principal.clientId,
      createdAt: now,
      expiresAt: addSeconds(now, LAUNCH_TOKEN_TTL_SECONDS),
    });
    await em.flush();
    return {
      token,
      launchUrl: `${this.deps.publicUrl.replace(/\/+$/, '')}${LAUNCH_PAGE_PATH}#token=${token}`,
      expiresAt: row.expiresAt,
      expiresIn: LAUNCH_TOKEN_TTL_SECONDS,
      locationId: row.locationId,
      email: row.email,
      roleSlug: input.roleSlug,
    };
  }

  /**
   * Exchanges a launch token for a session, once. In one transaction with the token's row locked, so two
   * concurrent exchanges of one token are one success and one reuse: an unknown token, an expired one, a token of a
   * client disabled since, or one presented for another location (when the caller names its location) is refused;
   * a used one is refused and the session it produced revoked (committed even though the request fails);
   * otherwise the token is marked used, the user found or provisioned, given a role at the location if it has none
   * there, and a session created.
   */
  async exchange(input: { token: string; locationId?: number }): Promise<ExchangedLaunch> {
    // Not of the shape we mint: no lookup needed (the REST route already answers such a body with a 400).
    if (!LAUNCH_TOKEN_PATTERN.test(input.token)) throw refused.invalidToken(['token: not a launch token']);
    const now = this.deps.clock.now();
    const refreshToken = newSecret('rt');
    const outcome = await this.deps.em().transactional(async (tx) => {
      const token = await tx.findOne(
        LaunchToken,
        { tokenHash: hashBearerSecret(input.token) },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!token) return refused.invalidToken();
      if (token.usedAt) {
        await tx.nativeUpdate(
          UserSession,
          { launchToken: token.id, revokedAt: null },
          { revokedAt: now, revokedReason: 'launch_token_reused' },
        );
        return refused.reused();
      }
      if (now.getTime() >= token.expiresAt.getTime()) return refused.expired();
      if (input.locationId !== undefined && input.locationId !== token.locationId) {
        return refused.locationMismatch(token.locationId, input.locationId);
      }
      const partnerId = token.partner.id;
      const client = await tx.findOne(ApiClient, {
        clientId: token.createdByClientId,
        partner: partnerId,
        active: true,
      });
      if (!client) return refused.invalidToken(['the client that created the launch link is disabled']);

      // Two first launches of one new person (two tokens) must not both create the user.
      await tx.execute('select pg_advisory_xact_lock(hashtext(?))', [`identity.pos_user:${partnerId}:${token.email}`]);
      const existing = await tx.findOne(PosUser, { partner: partnerId, email: token.email }, { populate: ['roles'] });
      if (existing && !existing.active) return refused.userInactive();
      const user =
        existing ??
        Object.assign(new PosUser(), {
          partner: tx.getReference(Partner, partnerId),
          email: token.email,
          name: token.name ?? token.email.split('@')[0],
        });
      const userCreated = !existing;
      let role = existing?.roles.getItems().find((r) => r.locationId === token.locationId);
      if (!role) {
        role = Object.assign(new PosUserRole(), { user, locationId: token.locationId, roleSlug: token.roleSlug });
        tx.persist([user, role]);
      }
      if (!isRoleSlug(role.roleSlug)) return refused.roleUnknown(role.roleSlug);

      token.usedAt = now;
      const session = tx.create(UserSession, {
        user,
        locationId: token.locationId,
        launchToken: token,
        createdAt: now,
        expiresAt: addSeconds(now, SESSION_TTL_SECONDS),
      });
      tx.create(RefreshToken, { tokenHash: hashBearerSecret(refreshToken), session, issuedAt: now });
      await tx.flush();
      return {
        session,
        userCreated,
        user: { id: user.id, email: user.email, name: user.name },
        role: role.roleSlug,
      };
    });
    if (outcome instanceof DomainError) throw outcome;

    const { session, user, role } = outcome;
    return {
      ...(await this.sessionTokens(session, user, role, refreshToken)),
      userCreated: outcome.userCreated,
    };
  }

  /**
   * The refresh grant: a new access token and a new refresh token for the session of `refreshToken`, which stops
   * working. Refused (RefreshRefused) when the token is unknown, its session revoked or ended, the user deactivated
   * or without a role at the session's location. Presenting a token of the session's family that is not its newest
   * (rotated out one or many refreshes ago) revokes the session: either the client or a thief holds a copy, and
   * the server cannot tell which, so neither keeps it.
   *
   * The token's row is locked first, then the session's: two refreshes with one token run one after the other, and
   * the second finds it rotated out, a reuse like any other; refreshes with different tokens of one family
   * serialise on the session. A unique index allows one newest token per session whatever happens.
   */
  async refresh(refreshToken: string): Promise<SessionTokens> {
    if (!REFRESH_TOKEN_PATTERN.test(refreshToken)) throw new RefreshRefused('Not a refresh token');
    const now = this.deps.clock.now();
    const next = newSecret('rt');
    const outcome = await this.deps.em().transactional(async (tx) => {
      const lock = { lockMode: LockMode.PESSIMISTIC_WRITE } as const;
      const token = await tx.findOne(RefreshToken, { tokenHash: hashBearerSecret(refreshToken) }, lock);
      if (!token) return new RefreshRefused('Unknown refresh token');
      const session = await tx.findOneOrFail(UserSession, { id: token.session.id }, lock);
      if (session.revokedAt) return new RefreshRefused('The session has been revoked');
      if (token.rotatedAt) {
        session.revokedAt = now;
        session.revokedReason = 'refresh_token_reused';
        await tx.flush();
        return new RefreshRefused('The refresh token was already used; the session has been revoked');
      }
      if (now.getTime() >= session.expiresAt.getTime()) {
        return new RefreshRefused('The session has ended; open a new launch link');
      }
      const user = await tx.findOne(PosUser, { id: session.user.id, active: true }, { populate: ['roles'] });
      if (!user) return new RefreshRefused('The POS user is deactivated');
      const role = user.roles.getItems().find((r) => r.locationId === session.locationId)?.roleSlug;
      if (!isRoleSlug(role)) return new RefreshRefused('The POS user no longer holds a role at this location');

      token.rotatedAt = now;
      session.refreshedAt = now;
      // Rotated out before its successor is inserted: the unique index admits one newest token per session.
      await tx.flush();
      tx.create(RefreshToken, { tokenHash: hashBearerSecret(next), session, issuedAt: now });
      await tx.flush();
      return { session, user: { id: user.id, email: user.email, name: user.name }, role };
    });
    if (outcome instanceof RefreshRefused) throw outcome;
    return this.sessionTokens(outcome.session, outcome.user, outcome.role, next);
  }

  /**
   * Sign-out (RFC 7009 token revocation): revokes the session `refreshToken` belongs to, as reuse detection does, so
   * that none of its refresh tokens refreshes again and its access tokens are refused once the verifier's session
   * cache has expired. Any token of the session's family counts, a rotated-out one too: an app that signs out while
   * a refresh it sent is still in flight holds the previous token, and its person still means to end the session.
   * Answers whether this call revoked it: false for an unknown or malformed token and for a session revoked already
   * (whose first reason is kept), which the endpoint answers alike, as RFC 7009 §2.2 asks.
   *
   * Only the session's row is locked, not the token's: a concurrent refresh (which locks the token, then the session)
   * either finishes first, or finds the session revoked; the two never wait on each other in opposite orders.
   */
  async revoke(refreshToken: string): Promise<boolean> {
    if (!REFRESH_TOKEN_PATTERN.test(refreshToken)) return false;
    const now = this.deps.clock.now();
    return this.deps.em().transactional(async (tx) => {
      const token = await tx.findOne(RefreshToken, { tokenHash: hashBearerSecret(refreshToken) });
      if (!token) return false;
      const session = await tx.findOneOrFail(
        UserSession,
        { id: token.session.id },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (session.revokedAt) return false;
      session.revokedAt = now;
      session.revokedReason = 'signed_out';
      await tx.flush();
      return true;
    });
  }

  private async sessionTokens(
    session: UserSession,
    user: { id: string; email: string; name: string },
    role: RoleSlug,
    refreshToken: string,
  ): Promise<SessionTokens> {
    // The session's location only: a launch at one location opens that location, whatever else the user holds.
    const issued = await mintUserAccessToken(
      this.deps.signer,
      { id: user.id, email: user.email, roles: [{ locationId: session.locationId, role }] },
      { sessionId: session.id },
    );
    return {
      accessToken: issued.accessToken,
      refreshToken,
      expiresIn: issued.expiresIn,
      scope: issued.scope,
      sessionId: session.id,
      sessionExpiresAt: session.expiresAt,
      locationId: session.locationId,
      role,
      user,
    };
  }

  private async requireLocation(ctx: LaunchRequestContext, locationId: number): Promise<void> {
    const result = await this.deps.execute(
      'query LaunchTokenLocation($id: ID!) { location(id: $id) { id } }',
      { id: String(locationId) },
      ctx.principal,
      ctx.requestId,
    );
    if (result.errors?.length) {
      throw new DomainError(
        ErrorCode.UNAVAILABLE,
        'The locations could not be checked; retry later',
        [],
        'dependency_unavailable',
      );
    }
    if (!result.data?.location) {
      throw new DomainError(ErrorCode.NOT_FOUND, 'Location not found', [
        `location_id: ${locationId} is not one of your locations`,
      ]);
    }
  }
}

/** The session `sessionId` as the verifier checks it; null when there is no such session. */
export async function loadSessionState(em: EntityManager, sessionId: string): Promise<SessionState | null> {
  if (!isUuid(sessionId)) return null;
  const session = await em.findOne(UserSession, { id: sessionId.toLowerCase() });
  return session ? { userId: session.user.id, revoked: session.revokedAt !== null } : null;
}
