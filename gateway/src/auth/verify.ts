import { type Principal, cachedTokenCheck } from '@pos/kit';
import { type JWTPayload, type JWTVerifyGetKey, createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { SIGNING_ALGORITHM } from './keys';
import { ROLE_SCOPES } from './roles';
import { POS_APP_CLIENT_ID, ROLES_CLAIM, SESSION_CLAIM, type UserGrant, parseRolesClaim } from './user-tokens';

/** What the verifier needs of a user session: whose it is and whether it still stands. */
export interface SessionState {
  userId: string;
  revoked: boolean;
}

export interface AccessTokenVerifierOptions {
  issuer: string;
  /** Keys of the built-in issuer, or a JWKS URL (e.g. a Cognito user pool's) fetched and cached by jose. */
  jwks: { keys: object[] } | URL;
  /** Maps the token's client to its partner (tenant); null when the client is unknown or disabled. */
  tenantOfClient(clientId: string): Promise<string | null>;
  /** The active POS user with its current roles; null when the user is unknown or inactive. */
  userOfToken(userId: string): Promise<Pick<UserGrant, 'tenantId' | 'roles'> | null>;
  /**
   * The session a user token names in its `sid` claim; null when unknown. Without it, tokens that name a session
   * are refused, since their revocation could not be seen.
   */
  sessionOf?(sessionId: string): Promise<SessionState | null>;
  /**
   * How long a token's verified signature and claims are remembered (never past its expiry), so that a caller
   * sending the same token again (each of thousands of WebSocket connections, each request) is not verified
   * again; 0 turns it off. The lookups above still run on every use. Default 60 s.
   */
  verifiedTokenTtlMs?: number;
  /** Told when a remote key set (jwks given as a URL) could not be fetched: at most once per KEYS_RETRY_MS. */
  onKeysUnavailable?(error: unknown): void;
}

export class InvalidTokenError extends Error {}

/**
 * The issuer's keys could not be had (JWKS_URL unreachable, too slow, or not answering a key set): nothing is known
 * of the token, which may well be valid, so the caller is told to retry rather than that its token is refused.
 */
export class KeysUnavailableError extends Error {}

/** What a remote key set refuses because of the token (no key of its kid, several, an algorithm none supports). */
const isTokensFault = (error: unknown) =>
  error instanceof errors.JWKSNoMatchingKey ||
  error instanceof errors.JWKSMultipleMatchingKeys ||
  error instanceof errors.JOSENotSupported;

/** After a failed fetch of a remote key set, how long requests are refused at once instead of fetching it again. */
const KEYS_RETRY_MS = 1000;

/**
 * jose's remote key set (fetched, cached and refreshed by jose), whose own failures are KeysUnavailableError. jose
 * fetches again for every request while the set is not in hand, so after a failure the next KEYS_RETRY_MS of
 * requests are refused without a fetch: an outage of the issuer is not met with a fetch per request, nor a log line.
 */
function remoteKeys(url: URL, onUnavailable: (error: unknown) => void): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(url);
  let failedAt = -Infinity;
  return async (header, token) => {
    if (performance.now() - failedAt < KEYS_RETRY_MS) throw new KeysUnavailableError('the key set is not available');
    try {
      return await remote(header, token);
    } catch (error) {
      if (isTokensFault(error)) throw error;
      failedAt = performance.now();
      onUnavailable(error);
      throw new KeysUnavailableError('the key set could not be fetched', { cause: error });
    }
  };
}

/**
 * Verifies partner access tokens: RS256 only (a token with `alg: none`, HS256 or any other algorithm is refused
 * before its signature is even considered), a key from the issuer's JWKS, the configured issuer, an expiry,
 * `token_use: access` (Cognito's marker that separates access from ID tokens) and a known client.
 *
 * A token with `username` and the POS app's `client_id` is a POS user's: its user must still be active, and it
 * opens only the locations its roles claim lists that the user still holds, with only the scopes those roles still
 * grant, so a removed role or a deactivated user stops working once the lookup cache has expired. A user token of a
 * session (`sid`, from a launch-link exchange) also stops working once that session is revoked (launch token reused,
 * refresh token replayed), after the same cache.
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions) {
  const keys: JWTVerifyGetKey =
    options.jwks instanceof URL
      ? remoteKeys(options.jwks, options.onKeysUnavailable ?? (() => undefined))
      : createLocalJWKSet(options.jwks as Parameters<typeof createLocalJWKSet>[0]);

  const verifiedClaims = cachedTokenCheck(
    async (token) =>
      (
        await jwtVerify(token, keys, {
          algorithms: [SIGNING_ALGORITHM],
          issuer: options.issuer,
          requiredClaims: ['exp', 'iat', 'token_use', 'client_id'],
          clockTolerance: 5,
        })
      ).payload,
    // exp is required above; a cached token is dropped at its expiry (jwtVerify then refuses it past the tolerance).
    (payload) => payload.exp! * 1000,
    options.verifiedTokenTtlMs ?? 60_000,
  );

  // By the verified claims object, which the token check above hands out again for the same token.
  const clientPrincipals = new WeakMap<JWTPayload, Principal>();

  return async function verifyAccessToken(token: string): Promise<Principal> {
    let payload;
    try {
      payload = await verifiedClaims(token);
    } catch (error) {
      if (error instanceof KeysUnavailableError) throw error;
      throw new InvalidTokenError('invalid token');
    }
    if (payload.token_use !== 'access' || typeof payload.client_id !== 'string') {
      throw new InvalidTokenError('not an access token');
    }
    // Either marker alone is a token of neither kind: a partner client must not pass for the POS app or carry a
    // user, and a user token always names the POS app.
    if (payload.username !== undefined || payload.client_id === POS_APP_CLIENT_ID) return userPrincipal(payload);
    const tenantId = await options.tenantOfClient(payload.client_id);
    if (!tenantId) throw new InvalidTokenError('unknown client');
    // The same principal object for a token verified lately while its client's tenant is the same: what is keyed
    // on the caller (principalScopeKey, the signed context) is then worked out once per token, not per request.
    const known = clientPrincipals.get(payload);
    if (known?.tenantId === tenantId) return known;
    const principal: Principal = {
      tenantId,
      subject: typeof payload.sub === 'string' ? payload.sub : payload.client_id,
      kind: 'm2m',
      clientId: payload.client_id,
      scopes: scopesOf(payload),
      locationIds: null,
    };
    clientPrincipals.set(payload, principal);
    return principal;
  };

  async function userPrincipal(payload: JWTPayload): Promise<Principal> {
    const { sub } = payload;
    if (payload.client_id !== POS_APP_CLIENT_ID || typeof payload.username !== 'string' || typeof sub !== 'string') {
      throw new InvalidTokenError('malformed user token');
    }
    const claimed = parseRolesClaim(payload[ROLES_CLAIM]);
    if (!claimed) throw new InvalidTokenError('malformed roles claim');
    const sid = payload[SESSION_CLAIM];
    if (sid !== undefined) {
      if (typeof sid !== 'string' || !options.sessionOf) throw new InvalidTokenError('malformed session claim');
      const session = await options.sessionOf(sid);
      if (!session || session.userId !== sub) throw new InvalidTokenError('unknown session');
      if (session.revoked) throw new InvalidTokenError('revoked session');
    }
    const user = await options.userOfToken(sub);
    if (!user) throw new InvalidTokenError('unknown or inactive user');
    const current = new Map(user.roles.map((r) => [r.locationId, r.role]));
    // Roles are checked by location against today's roles, not against the claim's: a demoted manager keeps the
    // location but loses the scopes only the old role granted.
    const kept = claimed.flatMap(({ locationId }) => {
      const role = current.get(locationId);
      return role ? [{ locationId, role }] : [];
    });
    if (!kept.length) throw new InvalidTokenError('the user no longer holds any role the token claims');
    const stillGranted = new Set<string>(kept.flatMap((r) => ROLE_SCOPES[r.role]));
    return {
      tenantId: user.tenantId,
      subject: sub,
      kind: 'user',
      clientId: null,
      scopes: scopesOf(payload).filter((scope) => stillGranted.has(scope)),
      locationIds: kept.map((r) => r.locationId),
    };
  }
}

const scopesOf = (payload: JWTPayload): string[] =>
  typeof payload.scope === 'string' && payload.scope ? payload.scope.split(' ') : [];

export type AccessTokenVerifier = ReturnType<typeof createAccessTokenVerifier>;

/** The bearer token of an Authorization header value, or null. */
export function bearerToken(header: string | undefined | null): string | null {
  const match = /^Bearer\s+([A-Za-z0-9\-_.~+/]+=*)\s*$/i.exec(header ?? '');
  return match ? match[1] : null;
}
