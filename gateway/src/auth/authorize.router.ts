import { randomBytes } from 'node:crypto';
import express, { type Response, Router } from 'express';
import { scriptFreePageHeaders, styleNonce } from '../web/script-free-page';
import { cookieValue, crossSiteReason } from './browser-requests';
import { type AuthorizationCodes, AuthorizationError, type AuthorizationRequest } from './authorization-codes';
import type { PasswordSignIn } from './password-sign-in';
import { sameSecret } from './secrets';
import { renderSignInPage, sendSignInError } from './sign-in.page';

/**
 * `/oauth2/authorize`: the built-in issuer's sign-in page for the portal's people (the authorization code grant with
 * PKCE; the rules are in AuthorizationCodes and PasswordSignIn). GET checks the request and shows the form; POST
 * signs the person in and sends the browser back to the client with a code.
 *
 * The form is protected against cross-site posts twice: a double-submit token (a random value in an HttpOnly,
 * SameSite=Strict cookie and in the form, which must match) and the browser's own word (Origin or Sec-Fetch-Site
 * naming another site is refused). Without that, another site could sign a victim in to the attacker's account.
 */

const CSRF_COOKIE = 'pos_sign_in_csrf';
/** The request parameters the form carries back to POST. */
const REQUEST_PARAMETERS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'code_challenge',
  'code_challenge_method',
  'state',
];

export interface AuthorizeRouterOptions {
  codes: AuthorizationCodes;
  signIn: PasswordSignIn;
  publicUrl: string;
}

export function authorizeRouter(options: AuthorizeRouterOptions): Router {
  const router = Router();
  const origin = new URL(options.publicUrl).origin;
  const secure = origin.startsWith('https:');

  function requestFields(params: Record<string, unknown>): Record<string, string> {
    const fields: Record<string, string> = {};
    for (const name of REQUEST_PARAMETERS) if (typeof params[name] === 'string') fields[name] = params[name];
    return fields;
  }

  /** A refused request: back to the client when its redirect URI is known, else a page for the person. */
  function refuse(res: Response, error: AuthorizationError, params: Record<string, unknown>) {
    if (!error.redirect) return sendSignInError(res, 400, error.message);
    const target = new URL(options.codes.redirectUri);
    target.searchParams.set('error', error.error);
    target.searchParams.set('error_description', error.message);
    if (typeof params.state === 'string') target.searchParams.set('state', params.state);
    res.redirect(303, target.toString());
  }

  function showForm(
    res: Response,
    status: number,
    params: Record<string, unknown>,
    extra: { email?: string; error?: string } = {},
  ) {
    // A new token per form shown: the cookie and the hidden field carry the same value.
    const csrf = randomBytes(24).toString('base64url');
    res.cookie(CSRF_COOKIE, csrf, {
      httpOnly: true,
      sameSite: 'strict',
      secure,
      path: '/oauth2/authorize',
      maxAge: 30 * 60 * 1000,
    });
    const nonce = styleNonce();
    // The form posts here, and the answer redirects to the portal's callback, on this origin too (CSP form-action
    // covers both).
    scriptFreePageHeaders(res, nonce, [origin]);
    res
      .status(status)
      .type('html')
      .send(renderSignInPage({ request: requestFields(params), csrf, ...extra }, nonce));
  }

  router.get('/oauth2/authorize', (req, res) => {
    const params = req.query as Record<string, unknown>;
    try {
      options.codes.parseRequest(params);
    } catch (error) {
      if (error instanceof AuthorizationError) return refuse(res, error, params);
      throw error;
    }
    showForm(res, 200, params);
  });

  router.post(
    '/oauth2/authorize',
    express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }),
    async (req, res) => {
      const form = (req.body ?? {}) as Record<string, unknown>;
      const crossSite = crossSiteReason(req, origin) !== null;
      const cookie = cookieValue(req, CSRF_COOKIE);
      if (crossSite || !cookie || typeof form.csrf !== 'string' || !sameSecret(cookie, form.csrf)) {
        return sendSignInError(
          res,
          403,
          'This sign-in form has expired or was sent from another site. Open the page again.',
        );
      }
      let request: AuthorizationRequest;
      try {
        request = options.codes.parseRequest(form);
      } catch (error) {
        if (error instanceof AuthorizationError) return refuse(res, error, form);
        throw error;
      }
      const email = typeof form.email === 'string' ? form.email : '';
      const password = typeof form.password === 'string' ? form.password : '';
      const result = await options.signIn.signIn({ email, password, address: req.ip ?? 'unknown' });
      if (!result.ok && result.reason === 'throttled') {
        const minutes = Math.ceil(result.retryAfterSeconds / 60);
        res.setHeader('Retry-After', String(result.retryAfterSeconds));
        return showForm(res, 429, form, {
          email,
          error: `Too many sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
        });
      }
      if (!result.ok) return showForm(res, 401, form, { email, error: 'Incorrect email or password.' });
      res.redirect(303, await options.codes.issue(result.user, request));
    },
  );
  return router;
}
