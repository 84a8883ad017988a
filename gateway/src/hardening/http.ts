import type { Principal } from '@pos/kit';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { restError, sendRestError } from '../rest/errors';
import type { RateLimited } from './rate-limit';
import {
  type BucketStore,
  RATE_LIMIT_UNAVAILABLE_MESSAGE,
  UNAVAILABLE_RETRY_SECONDS,
  isPending,
  isRateLimitStoreUnavailable,
} from './store';

/** The path of the built-in token endpoint, limited by client address (it checks secrets with scrypt). */
export const TOKEN_PATH = '/oauth2/token';
/** Public pages and exchanges (hosted checkout, SSO launch exchange): no credential, limited by client address. */
const PUBLIC_PREFIX = '/pos/v1/public/';
/** What the per-caller limit covers; health, metrics, the JWKS and the pages' static files are left alone. */
const LIMITED_PREFIXES = ['/graphql', '/pos/', '/webhook/'];

const isGraphQLPath = (path: string) => path === '/graphql' || path.startsWith('/graphql/');

/** A caller's bucket: one per M2M client, POS user, loyalty org key or customer key (subjects are unique per kind). */
export const callerKey = (principal: Principal) => `${principal.kind}:${principal.tenantId}:${principal.subject}`;

/** A client's address: the peer's, or X-Forwarded-For's as TRUST_PROXY allows. */
export const clientAddress = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/** An anonymous caller's bucket: its address. */
const addressKey = (req: Request) => `ip:${clientAddress(req)}`;

export interface RateLimitMiddlewareOptions {
  /** Per caller: /graphql (HTTP), the REST routes, the public pages by address. */
  requests: BucketStore;
  /** Per address: the token endpoint. */
  tokens: BucketStore;
  /**
   * The caller its credential proves (the same verification, and caches, as the routes use), or null when it has
   * none or an invalid one: those are limited by address, so a flood of bad tokens costs its sender.
   */
  principalOf(req: Request): Promise<Principal | null>;
}

/** The GraphQL-over-HTTP shape of a refusal the gateway answers itself, before Apollo Server. */
export function sendGraphQLError(
  res: Response,
  status: number,
  message: string,
  extensions: Record<string, unknown>,
): void {
  res.status(status).json({ errors: [{ message, extensions }] });
}

function refuse(req: Request, res: Response, limiter: BucketStore, refused: RateLimited): void {
  const { perSecond, burst } = limiter.limit;
  const { retryAfterSeconds } = refused;
  const detail = `over the rate limit (${perSecond} a second, bursts of ${burst}); retry after ${retryAfterSeconds} s`;
  const path = req.baseUrl + req.path;
  res.setHeader('Retry-After', String(retryAfterSeconds));
  if (isGraphQLPath(path)) {
    return sendGraphQLError(res, 429, `Too many requests: ${detail}`, { code: 'RATE_LIMITED', retryAfterSeconds });
  }
  if (path === TOKEN_PATH) {
    // The token endpoint's errors are OAuth's (RFC 6749 §5.2), which has no code for this; Cognito answers 429 too.
    res.setHeader('Cache-Control', 'no-store');
    res.status(429).json({ error: 'rate_limited', error_description: `Too many token requests: ${detail}` });
    return;
  }
  sendRestError(
    res,
    { ...restError(429, undefined, [`Requests ${detail}`], 'rate_limited'), retryAfterSeconds },
    res.locals.requestId as string,
  );
}

/**
 * A request whose limit could not be decided (the shared store down, RATE_LIMIT_REDIS_FAILURE=closed): 503 with
 * `Retry-After` and the reason `rate_limit_unavailable` in the surface's own shape, nothing of the store's error.
 */
function unavailable(req: Request, res: Response): void {
  const path = req.baseUrl + req.path;
  const retryAfterSeconds = UNAVAILABLE_RETRY_SECONDS;
  res.setHeader('Retry-After', String(retryAfterSeconds));
  if (isGraphQLPath(path)) {
    return sendGraphQLError(res, 503, RATE_LIMIT_UNAVAILABLE_MESSAGE, {
      code: 'UNAVAILABLE',
      reason: 'rate_limit_unavailable',
      retryAfterSeconds,
    });
  }
  if (path === TOKEN_PATH) {
    res.setHeader('Cache-Control', 'no-store');
    res.status(503).json({ error: 'temporarily_unavailable', error_description: RATE_LIMIT_UNAVAILABLE_MESSAGE });
    return;
  }
  sendRestError(
    res,
    {
      ...restError(503, undefined, [RATE_LIMIT_UNAVAILABLE_MESSAGE], 'rate_limit_unavailable'),
      retryAfterSeconds,
    },
    res.locals.requestId as string,
  );
}

/**
 * Rate limits for HTTP, before any body is read: callers with a credential by who they are, the token endpoint
 * and the public pages by address (see rate-limit.ts). A refusal is a 429 with `Retry-After`, in each surface's
 * own error shape (GraphQL `RATE_LIMITED`, the REST bodies through rest/errors.ts, OAuth's at the token endpoint);
 * a request whose limit the shared store could not decide while failing closed is a 503 (store.ts).
 */
export function rateLimitMiddleware(options: RateLimitMiddlewareOptions): RequestHandler {
  const { requests, tokens } = options;
  /** Takes a token of `key` and answers or goes on: on this turn with the memory store, once Redis answered. */
  const decide = (req: Request, res: Response, next: NextFunction, limiter: BucketStore, key: string) => {
    const refused = limiter.take(key);
    if (!isPending(refused)) return refused ? refuse(req, res, limiter, refused) : next();
    return refused.then(
      (decided) => (decided ? refuse(req, res, limiter, decided) : next()),
      (error: unknown) => (isRateLimitStoreUnavailable(error) ? unavailable(req, res) : next(error)),
    );
  };
  return async (req, res, next) => {
    const path = req.path;
    try {
      if (path === TOKEN_PATH) {
        if (!tokens.enabled) return next();
        const decided = decide(req, res, next, tokens, addressKey(req));
        if (isPending(decided)) await decided;
        return;
      }
      if (!requests.enabled || !LIMITED_PREFIXES.some((prefix) => path.startsWith(prefix))) return next();
      let key: string;
      if (path.startsWith(PUBLIC_PREFIX)) key = addressKey(req);
      else {
        const principal = await options.principalOf(req);
        key = principal ? callerKey(principal) : addressKey(req);
      }
      const decided = decide(req, res, next, requests, key);
      if (isPending(decided)) await decided;
    } catch (error) {
      next(error);
    }
  };
}

/**
 * Errors of reading a request (body-parser's and the router's): too large (413, the limit named, MAX_BODY_BYTES for
 * JSON), malformed JSON (400), an unsupported charset or encoding (415), a body that is not compressed as its
 * Content-Encoding says (400: zlib's error carries no `type`), a path parameter with a malformed percent-escape
 * (400: the router's URIError, e.g. `/pos/v1/orders/%zz`), each in the path's own shape; never a 500 or the
 * parser's own text. Anything else goes on to the gateway's last handler.
 */
export function bodyErrorHandler(): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    const { type, status, limit } = (error ?? {}) as { type?: unknown; status?: unknown; limit?: unknown };
    // Body-parser and the router mark the client's errors with a 4xx status; other errors are not ours to answer.
    if (res.headersSent || typeof status !== 'number' || status < 400 || status >= 500) {
      return next(error);
    }
    let message: string;
    let detail: string;
    if (error instanceof URIError) {
      message = 'Validation error';
      detail = 'path: malformed percent-encoding';
    } else if (type === 'entity.too.large' || type === 'parameters.too.many') {
      message = 'Payload too large';
      detail =
        typeof limit === 'number' ? `body: larger than the limit of ${limit} bytes` : 'body: too many parameters';
    } else if (type === 'entity.parse.failed') {
      message = 'Validation error';
      detail = 'body: malformed JSON';
    } else if (status === 415) {
      message = 'Unsupported media type';
      detail = 'body: unsupported charset or content encoding';
    } else if (type === undefined && req.headers['content-encoding'] !== undefined) {
      message = 'Bad request';
      detail = 'body: not encoded as its Content-Encoding says';
    } else {
      message = 'Bad request';
      detail = 'body: could not be read';
    }
    const path = req.baseUrl + req.path;
    if (isGraphQLPath(path)) return sendGraphQLError(res, status, `${message}: ${detail}`, { code: 'BAD_REQUEST' });
    if (path === TOKEN_PATH) {
      res.status(status).json({ error: 'invalid_request', error_description: `${message}: ${detail}` });
      return;
    }
    sendRestError(
      res,
      restError(status, status === 400 ? 'Validation error' : message, [detail]),
      res.locals.requestId as string,
    );
  };
}
