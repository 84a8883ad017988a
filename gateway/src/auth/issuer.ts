import type { EntityManager } from '@mikro-orm/postgresql';
import express, { type Request, type Response, Router } from 'express';
import { ApiClient } from '../identity/identity.entities';
import { type TokenSigner, signAccessToken } from './access-tokens';
import { type AuthorizationCodes, AuthorizationError } from './authorization-codes';
import { type LaunchService, RefreshRefused } from './launch';
import { clientSecretMatches } from './partner-credentials';
import { DECOY_SECRET_HASH, verifySecret } from './secrets';
import { POS_APP_CLIENT_ID } from './user-tokens';

export interface IssuerOptions extends TokenSigner {
  em: () => EntityManager;
  /**
   * Launch-link sessions, whose refresh tokens the token endpoint takes (`grant_type=refresh_token`) and the
   * revocation endpoint revokes (sign-out).
   */
  sessions?: Pick<LaunchService, 'refresh' | 'revoke'>;
  /** The portal's sign-in, whose codes the token endpoint takes (`grant_type=authorization_code`). */
  codes?: Pick<AuthorizationCodes, 'exchange'>;
}

/** An RFC 6749 error response (§5.2). */
function oauthError(res: Response, status: number, error: string, description: string) {
  if (status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="oauth2", charset="UTF-8"');
  res.status(status).json({ error, error_description: description });
}

/**
 * The form of a request to the token or revocation endpoint, or null once refused (400). Either answer is never
 * cached. RFC 6749 §3.1: a parameter must not be sent more than once; the form parser makes a repeated one an
 * array, and read as absent a second `scope` used to fall back to every scope of the client, so it is refused
 * before any grant.
 */
function oauthForm(req: Request, res: Response): Record<string, string> | null {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  if (!req.is('application/x-www-form-urlencoded')) {
    oauthError(res, 400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
    return null;
  }
  const body = req.body as Record<string, unknown>;
  const repeated = Object.keys(body).filter((name) => typeof body[name] !== 'string');
  if (repeated.length) {
    const parameters = repeated.length > 1 ? 'Parameters' : 'Parameter';
    oauthError(res, 400, 'invalid_request', `${parameters} sent more than once: ${repeated.join(', ')}`);
    return null;
  }
  return body as Record<string, string>;
}

function clientCredentials(req: Request): { clientId: string; clientSecret: string } | null {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.header('authorization') ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon)),
      clientSecret: decodeURIComponent(decoded.slice(colon + 1)),
    };
  }
  const { client_id: clientId, client_secret: clientSecret } = (req.body ?? {}) as Record<string, unknown>;
  return typeof clientId === 'string' && typeof clientSecret === 'string' ? { clientId, clientSecret } : null;
}

/**
 * The refresh grant (RFC 6749 §6) for POS user sessions opened by a launch link. The POS app is a public client
 * (no secret, as Cognito app clients of browser apps): the refresh token is the credential, bound to its session,
 * and rotated on every use, so the response carries the next one. Every refusal is `invalid_grant`.
 */
async function refreshGrant(options: IssuerOptions, body: Record<string, unknown>, res: Response) {
  if (!options.sessions) {
    return oauthError(res, 400, 'unsupported_grant_type', 'grant_type=refresh_token is not available');
  }
  if (body.client_id !== undefined && body.client_id !== POS_APP_CLIENT_ID) {
    return oauthError(res, 400, 'invalid_grant', `Refresh tokens are issued to the client ${POS_APP_CLIENT_ID}`);
  }
  if (typeof body.refresh_token !== 'string' || !body.refresh_token) {
    return oauthError(res, 400, 'invalid_request', 'refresh_token is required');
  }
  try {
    const session = await options.sessions.refresh(body.refresh_token);
    res.json({
      access_token: session.accessToken,
      refresh_token: session.refreshToken,
      token_type: 'Bearer',
      expires_in: session.expiresIn,
      scope: session.scope,
    });
  } catch (error) {
    if (error instanceof RefreshRefused) return oauthError(res, 400, 'invalid_grant', error.message);
    throw error;
  }
}

/** A JWT (three base64url parts): one of the issuer's access tokens, never a refresh token (`rt_…`). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Token revocation (RFC 7009), for the POS app's sign-out: `token` is a session's refresh token, and revoking it ends
 * the session (LaunchService.revoke), its access tokens included. The POS app is a public client, so, as for the
 * refresh grant, there is no client authentication: the token is the credential, and `client_id`, if sent, must be
 * the POS app's. An unknown, malformed or already revoked token is answered 200 like any other (§2.2): the client
 * only wants the token gone, and the answer tells no one which tokens exist. An access token alone cannot be revoked
 * (it is a self-contained JWT): 400 unsupported_token_type (§2.2.1) rather than a 200 that would claim it was.
 */
async function revokeToken(options: IssuerOptions, body: Record<string, unknown>, res: Response) {
  if (!options.sessions) {
    return oauthError(res, 400, 'unsupported_token_type', 'No tokens of this issuer can be revoked');
  }
  if (body.client_id !== undefined && body.client_id !== POS_APP_CLIENT_ID) {
    return oauthError(res, 401, 'invalid_client', `Refresh tokens are issued to the client ${POS_APP_CLIENT_ID}`);
  }
  if (typeof body.token !== 'string' || !body.token) {
    return oauthError(res, 400, 'invalid_request', 'token is required');
  }
  if (JWT_SHAPE.test(body.token)) {
    return oauthError(
      res,
      400,
      'unsupported_token_type',
      'Only refresh tokens can be revoked; revoking one also ends its session’s access tokens',
    );
  }
  await options.sessions.revoke(body.token);
  res.status(200).end();
}

/**
 * The authorization code grant (RFC 6749 §4.1.3) with PKCE, for the portal's people: the portal is the client and
 * proves it is the one that started the sign-in with the code verifier, not a secret.
 */
async function codeGrant(codes: Pick<AuthorizationCodes, 'exchange'>, body: Record<string, unknown>, res: Response) {
  try {
    res.json(
      await codes.exchange({
        code: body.code,
        codeVerifier: body.code_verifier,
        clientId: body.client_id,
        redirectUri: body.redirect_uri,
      }),
    );
  } catch (error) {
    if (error instanceof AuthorizationError) return oauthError(res, 400, error.error, error.message);
    throw error;
  }
}

/**
 * The built-in token endpoint, shaped like Cognito's: `POST /oauth2/token` with `grant_type=client_credentials`,
 * client authentication by HTTP Basic (or client_id/client_secret in the form), an optional space-separated
 * `scope` (default: every scope the client holds); a parameter sent twice is refused. Access tokens are RS256 JWTs
 * with Cognito's claims. It also takes `grant_type=refresh_token` for POS user sessions (see {@link refreshGrant}).
 */
export function issuerRouter(options: IssuerOptions): Router {
  const router = Router();
  router.get('/.well-known/jwks.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(options.keys.publicJwks);
  });
  router.post('/oauth2/token', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    const body = oauthForm(req, res);
    if (!body) return;
    if (body.grant_type === 'refresh_token') return refreshGrant(options, body, res);
    if (body.grant_type === 'authorization_code' && options.codes) return codeGrant(options.codes, body, res);
    if (body.grant_type !== 'client_credentials') {
      return oauthError(
        res,
        400,
        'unsupported_grant_type',
        'Supported grant types: client_credentials, refresh_token for POS user sessions, authorization_code ' +
          'for the portal',
      );
    }
    const credentials = clientCredentials(req);
    if (!credentials) return oauthError(res, 401, 'invalid_client', 'Client authentication is required');
    const client = await options.em().findOne(ApiClient, { clientId: credentials.clientId, active: true });
    // Verify against a dummy hash for unknown clients too, so timing does not reveal which client ids exist. A
    // client's previous secret works until its rotation's overlap ends (partner-credentials.ts).
    const valid = client
      ? await clientSecretMatches(client, credentials.clientSecret, new Date())
      : await verifySecret(credentials.clientSecret, DECOY_SECRET_HASH);
    if (!client || !valid) return oauthError(res, 401, 'invalid_client', 'Client authentication failed');

    const allowed = client.allowedScopes.split(' ').filter(Boolean);
    const requested = typeof body.scope === 'string' ? body.scope.split(' ').filter(Boolean) : allowed;
    const refused = requested.filter((s) => !allowed.includes(s));
    if (refused.length || !requested.length) {
      return oauthError(
        res,
        400,
        'invalid_scope',
        `Scope not allowed for this client: ${refused.join(' ') || '(none)'}`,
      );
    }
    const scope = [...new Set(requested)].join(' ');
    const accessToken = await signAccessToken(options, client.clientId, { client_id: client.clientId, scope });
    res.json({ access_token: accessToken, token_type: 'Bearer', expires_in: options.tokenTtlSeconds, scope });
  });
  // RFC 7009 token revocation: the POS app's sign-out (see revokeToken).
  router.post('/oauth2/revoke', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    const body = oauthForm(req, res);
    if (!body) return;
    return revokeToken(options, body, res);
  });
  return router;
}
