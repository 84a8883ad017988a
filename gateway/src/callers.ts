import type { Principal } from '@pos/kit';
import type { Request } from 'express';
import { API_KEY_HEADER } from './auth/api-keys';
import { type HeaderSource, cookieValue, fromOwnPage } from './auth/browser-requests';
import { authenticationError, crossSiteSession, unauthorized } from './auth/errors';
import type { PortalSessions } from './auth/portal-sessions';
import { PORTAL_SESSION_COOKIE } from './auth/portal-sign-in.router';
import { type AccessTokenVerifier, bearerToken } from './auth/verify';
import { clientAddress } from './hardening/http';
import { tooManyKeyFailures } from './hardening/key-failures';
import { type KeyFailureStore, isPending, isRateLimitStoreUnavailable, rateLimitUnavailable } from './hardening/store';

/**
 * Memoises `resolve` per request object: every later ask about the same request gets the first answer (or the first
 * refusal), so a caller is resolved once however many parts of the request ask. Held weakly: a finished request
 * takes its answer with it.
 */
export function oncePerRequest<R extends object, T>(resolve: (req: R) => Promise<T>): (req: R) => Promise<T> {
  const answers = new WeakMap<R, Promise<T>>();
  return (req) => {
    let answer = answers.get(req);
    if (!answer) {
      answer = resolve(req);
      answers.set(req, answer);
    }
    return answer;
  };
}

export interface CallerOptions {
  verify: AccessTokenVerifier;
  /** The caller an API key stands for, or null for an unknown, disabled or malformed key (auth/api-keys.ts). */
  apiKeyPrincipal(key: string | undefined): Promise<Principal | null>;
  keyFailures: KeyFailureStore;
  portalSessions: PortalSessions;
  /** The gateway's public URL: the portal's pages are its own origin's. */
  publicUrl: string;
}

/**
 * Who sent a request, by each credential the gateway takes: a bearer access token, an `X-Api-Key`, the portal's
 * session cookie. What is asked of a request is resolved once per request (the rate limiter asks first, then
 * /graphql's context, the REST routes or the streaming transports): the same verification, and a wrong key
 * counted once. Each refusal is the error the transports map (auth/errors.ts): 401, 403 for a cross-site
 * session, 429 past the wrong keys, 503 when the check could not decide.
 */
export function createCallers({ verify, apiKeyPrincipal, keyFailures, portalSessions, publicUrl }: CallerOptions) {
  /** The caller a bearer token proves (an `Authorization` header or graphql-ws's connection parameter). */
  const tokenCallerOf = async (authorization: string | undefined | null): Promise<Principal> => {
    const token = bearerToken(authorization);
    if (!token) throw unauthorized();
    try {
      return await verify(token);
    } catch (error) {
      throw authenticationError(error);
    }
  };
  // An API key's caller, its guessing bounded per client address (hardening/key-failures.ts): while an address is
  // over the limit its keys are refused without a lookup; a key that opens nothing counts against it. With a shared
  // store that is down and failing closed, the key is not checked either: 503, as when its lookup cannot be made.
  const apiKeyCallerAt = async (key: string | undefined, address: string): Promise<Principal> => {
    let refused = keyFailures.refused(address);
    if (isPending(refused)) {
      refused = await refused.catch((error: unknown) => {
        throw isRateLimitStoreUnavailable(error) ? rateLimitUnavailable(true) : error;
      });
    }
    if (refused) throw tooManyKeyFailures(refused);
    let principal: Principal | null;
    try {
      principal = await apiKeyPrincipal(key);
    } catch (error) {
      throw authenticationError(error);
    }
    if (!principal) {
      if (key) {
        // Counted before the answer, so that the address's next key, on any replica, sees it.
        const counted = keyFailures.failed(address);
        if (isPending(counted)) await counted;
      }
      throw unauthorized();
    }
    return principal;
  };
  // A portal person's browser: its session cookie, taken only from the portal's own pages (a browser sends the
  // cookie with requests other sites make it send, too), and only when no other credential is given.
  const ownOrigin = new URL(publicUrl).origin;
  const portalCaller = async (request: HeaderSource): Promise<Principal> => {
    if (!fromOwnPage(request, ownOrigin)) throw crossSiteSession();
    let session;
    try {
      session = await portalSessions.resolve(cookieValue(request, PORTAL_SESSION_COOKIE));
    } catch (error) {
      throw authenticationError(error);
    }
    if (!session) throw unauthorized();
    return session.principal;
  };
  // Once per request: the rate limiter, /graphql and the REST routes all ask, and a wrong key counts once.
  const apiKeyCaller = oncePerRequest((req: Request) => apiKeyCallerAt(req.header(API_KEY_HEADER), clientAddress(req)));
  // Once per request: the rate limiter asks (through callerOf) before a bearer route or /graphql does.
  const tokenCaller = oncePerRequest((req: Request) => tokenCallerOf(req.header('authorization')));
  // /graphql takes one credential: a bearer token, an API key, or (with neither) the portal's session cookie. A
  // request that carries a token and a key could be either caller. Found once per request: the rate limiter asks
  // first, then the GraphQL context.
  const callerOf = oncePerRequest((req: Request): Promise<Principal> => {
    const hasKey = req.header(API_KEY_HEADER) !== undefined;
    const hasToken = req.header('authorization') !== undefined;
    return hasKey && hasToken
      ? Promise.reject(unauthorized())
      : hasKey
        ? apiKeyCaller(req)
        : !hasToken && cookieValue(req, PORTAL_SESSION_COOKIE) !== null
          ? portalCaller(req)
          : tokenCaller(req);
  });
  return {
    /** /graphql's caller: whichever one credential the request carries (see above). */
    callerOf,
    /** The caller of the request's bearer token, whatever else it carries (the bearer REST routes). */
    tokenCaller,
    /** The caller of the request's `X-Api-Key` (the loyalty API). */
    apiKeyCaller,
    /** For graphql-ws, whose credentials come in its connection parameters rather than a request's headers. */
    tokenCallerOf,
    apiKeyCallerAt,
    portalCaller,
  };
}

export type Callers = ReturnType<typeof createCallers>;
