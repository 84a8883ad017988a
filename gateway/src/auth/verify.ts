import type { Principal } from '@pos/kit';
import { type JWTVerifyGetKey, createLocalJWKSet, createRemoteJWKSet, jwtVerify } from 'jose';
import { SIGNING_ALGORITHM } from './keys';

export interface AccessTokenVerifierOptions {
  issuer: string;
  /** Keys of the built-in issuer, or a JWKS URL (e.g. a Cognito user pool's) fetched and cached by jose. */
  jwks: { keys: object[] } | URL;
  /** Maps the token's client to its partner (tenant); null when the client is unknown or disabled. */
  tenantOfClient(clientId: string): Promise<string | null>;
}

export class InvalidTokenError extends Error {}

/**
 * Verifies partner access tokens: RS256 only (a token with `alg: none`, HS256 or any other algorithm is refused
 * before its signature is even considered), a key from the issuer's JWKS, the configured issuer, an expiry,
 * `token_use: access` (Cognito's marker that separates access from ID tokens) and a known client.
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions) {
  const keys: JWTVerifyGetKey =
    options.jwks instanceof URL
      ? createRemoteJWKSet(options.jwks)
      : createLocalJWKSet(options.jwks as Parameters<typeof createLocalJWKSet>[0]);

  return async function verifyAccessToken(token: string): Promise<Principal> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: [SIGNING_ALGORITHM],
        issuer: options.issuer,
        requiredClaims: ['exp', 'iat', 'token_use', 'client_id'],
        clockTolerance: 5,
      }));
    } catch {
      throw new InvalidTokenError('invalid token');
    }
    if (payload.token_use !== 'access' || typeof payload.client_id !== 'string') {
      throw new InvalidTokenError('not an access token');
    }
    const tenantId = await options.tenantOfClient(payload.client_id);
    if (!tenantId) throw new InvalidTokenError('unknown client');
    return {
      tenantId,
      subject: typeof payload.sub === 'string' ? payload.sub : payload.client_id,
      kind: 'm2m',
      clientId: payload.client_id,
      scopes: typeof payload.scope === 'string' && payload.scope ? payload.scope.split(' ') : [],
      locationIds: null,
    };
  };
}

export type AccessTokenVerifier = ReturnType<typeof createAccessTokenVerifier>;

/** The bearer token of an Authorization header value, or null. */
export function bearerToken(header: string | undefined | null): string | null {
  const match = /^Bearer\s+([A-Za-z0-9\-_.~+/]+=*)\s*$/i.exec(header ?? '');
  return match ? match[1] : null;
}
