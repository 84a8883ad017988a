import { randomBytes } from 'node:crypto';
import { type CookieOptions, type Response, Router } from 'express';
import { type AuthorizationCodes, AuthorizationError, PORTAL_CLIENT_ID, pkceChallenge } from './authorization-codes';
import { cookieValue, fromOwnPage } from './browser-requests';
import { type ExternalSignIn, IssuerUnavailable } from './external-sign-in';
import type { PortalSessions } from './portal-sessions';
import { sameSecret } from './secrets';
import { sendSignInError } from './sign-in.page';

/**
 * The portal's side of its sign-in, as its backend-for-frontend: `/portal/login` starts the authorization code flow
 * with a fresh PKCE verifier and state (kept in a short-lived HttpOnly cookie, so only this server ever holds them),
 * `/portal/callback` redeems the code in-process and opens the session cookie, `/portal/session` says who is signed
 * in, and `POST /portal/logout` ends the session.
 */

export const PORTAL_SESSION_COOKIE = 'pos_portal_session';
const LOGIN_COOKIE = 'pos_portal_login';
const LOGIN_TTL_MS = 10 * 60 * 1000;

export interface PortalSignInOptions {
  codes: AuthorizationCodes;
  /** Set: people sign in at that external issuer instead of the built-in one (PORTAL_AUTHORIZE_URL). */
  external?: ExternalSignIn;
  sessions: PortalSessions;
  publicUrl: string;
}

export function portalSignInRouter(options: PortalSignInOptions): Router {
  const router = Router();
  const origin = new URL(options.publicUrl).origin;
  // Lax, not Strict: a person following a link to the portal from elsewhere arrives signed in. Requests that change
  // anything are checked for their origin besides.
  const cookie = (path: string): CookieOptions => ({
    httpOnly: true,
    sameSite: 'lax',
    secure: origin.startsWith('https:'),
    path,
  });

  function failed(res: Response, status: number, message: string) {
    res.clearCookie(LOGIN_COOKIE, cookie('/portal/callback'));
    sendSignInError(res, status, message);
  }

  router.get('/portal/login', (_req, res) => {
    const state = randomBytes(16).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    res.cookie(LOGIN_COOKIE, `${state}.${verifier}`, { ...cookie('/portal/callback'), maxAge: LOGIN_TTL_MS });
    res.setHeader('Cache-Control', 'no-store');
    const authorize = new URL(options.external?.authorizeUrl ?? new URL('/oauth2/authorize', options.publicUrl));
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: options.external?.clientId ?? PORTAL_CLIENT_ID,
      redirect_uri: options.codes.redirectUri,
      code_challenge: pkceChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    }).toString();
    res.redirect(303, authorize.toString());
  });

  router.get('/portal/callback', async (req, res) => {
    const [state, verifier] = (cookieValue(req, LOGIN_COOKIE) ?? '').split('.');
    const query = req.query as Record<string, unknown>;
    const again = 'Sign-in did not complete. Open the portal again to sign in.';
    if (typeof query.error === 'string') return failed(res, 400, again);
    // The state ties this answer to the sign-in this browser started (RFC 6749 §10.12): another site cannot make
    // the browser finish a sign-in of its choosing.
    if (!state || !verifier || typeof query.state !== 'string' || !sameSecret(state, query.state)) {
      return failed(res, 400, again);
    }
    try {
      const person = options.external
        ? await options.external.redeem(query.code, verifier, options.codes.redirectUri)
        : await options.codes.redeem({
            code: query.code,
            codeVerifier: verifier,
            clientId: PORTAL_CLIENT_ID,
            redirectUri: options.codes.redirectUri,
          });
      const session = await options.sessions.open(person);
      res.clearCookie(LOGIN_COOKIE, cookie('/portal/callback'));
      res.cookie(PORTAL_SESSION_COOKIE, session, cookie('/'));
      res.setHeader('Cache-Control', 'no-store');
      res.redirect(303, '/portal/');
    } catch (error) {
      if (error instanceof AuthorizationError) return failed(res, 400, again);
      if (error instanceof IssuerUnavailable) {
        return failed(res, 503, 'The sign-in service did not answer. Try again in a moment.');
      }
      throw error;
    }
  });

  router.get('/portal/session', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const session = await options.sessions.resolve(cookieValue(req, PORTAL_SESSION_COOKIE));
    if (!session) return res.status(401).json({ error: 'signed_out', message: 'Sign in to the portal.' });
    res.json({ person: session.person, expiresAt: session.expiresAt.toISOString() });
  });

  router.post('/portal/logout', async (req, res) => {
    if (!fromOwnPage(req, origin)) {
      return res.status(403).json({ error: 'cross_site', message: 'Sign out from the portal’s own pages.' });
    }
    await options.sessions.revoke(cookieValue(req, PORTAL_SESSION_COOKIE));
    res.clearCookie(PORTAL_SESSION_COOKIE, cookie('/'));
    res.status(204).end();
  });
  return router;
}
