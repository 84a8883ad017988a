import { type DomainError, domainErrorOf } from '@pos/kit';
import type { Response } from 'express';

/**
 * The one mapping of the error vocabulary to REST. Bodies follow the API documents in shared/seeds:
 * `{status, timestamp, message, details}`; the partner API v1 (whose document leaves errors open) adds a stable
 * machine-readable `code`. A 500 never carries internal text, only the request id to quote.
 */
const STATUS_BY_CODE: Record<string, number> = {
  BAD_USER_INPUT: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNPROCESSABLE: 422,
  PAYMENT_REQUIRED: 402,
  PRECONDITION_FAILED: 412,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

const MESSAGE_BY_STATUS: Record<number, string> = {
  400: 'Validation error',
  401: 'Unauthorized',
  402: 'Payment required',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  412: 'Precondition failed',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable entity',
  429: 'Too many requests',
  500: 'Internal Server Error',
  503: 'Service unavailable',
};

/** The `code` of an error without a more specific reason. */
export const CODE_BY_STATUS: Record<number, string> = {
  400: 'validation_error',
  401: 'unauthorized',
  403: 'insufficient_scope',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
  500: 'internal_error',
  503: 'service_unavailable',
};

export interface RestError {
  status: number;
  message: string;
  details: string[];
  /** Stable snake_case name of the failure, e.g. amount_exceeds_due. */
  code: string;
  /** Facts to act on (a PIN challenge's id, the attempts left), from the error's extensions, camelCase. */
  data?: Record<string, unknown>;
  /** Seconds to wait before retrying (a 429 or 503), sent as `Retry-After`. */
  retryAfterSeconds?: number;
}

/** The extensions a client may act on, carried into REST bodies (the rest are the transport's own). */
const DATA_EXTENSIONS = ['challengeId', 'expiresAt', 'remainingAttempts', 'lockedUntil', 'retryAfterSeconds'];

export function restError(status: number, message?: string, details: string[] = [], code?: string): RestError {
  return {
    status,
    message: message ?? MESSAGE_BY_STATUS[status] ?? 'Error',
    details,
    code: code ?? CODE_BY_STATUS[status] ?? 'error',
  };
}

/** A GraphQL error (its extensions.code and .reason) as a REST error. Unknown codes are internal errors. */
export function fromGraphQLError(error: { message: string; extensions?: Record<string, unknown> }): RestError {
  const code = typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL_SERVER_ERROR';
  const status = STATUS_BY_CODE[code] ?? 500;
  if (status === 500) return restError(500);
  const details = Array.isArray(error.extensions?.details) ? (error.extensions.details as string[]) : [];
  const reason = typeof error.extensions?.reason === 'string' ? error.extensions.reason : undefined;
  const data = Object.fromEntries(
    DATA_EXTENSIONS.filter((key) => error.extensions?.[key] !== undefined).map((key) => [key, error.extensions?.[key]]),
  );
  // A 400 with a reason of its own (`customer not found`) keeps its message; the others are validation errors.
  const validation = status === 400 && (reason ?? 'validation_error') === 'validation_error';
  const retryAfter = error.extensions?.retryAfterSeconds;
  return {
    ...restError(
      status,
      validation ? MESSAGE_BY_STATUS[400] : error.message,
      validation && !details.length ? [error.message] : details,
      reason,
    ),
    ...(Object.keys(data).length ? { data } : {}),
    ...(typeof retryAfter === 'number' ? { retryAfterSeconds: retryAfter } : {}),
  };
}

/**
 * A DomainError thrown by one of the gateway's own services (SSO launch links) as a REST error: through the same
 * mapping as the subgraphs' errors, fed with the extensions formatGraphQLError would give it.
 */
export const fromDomainError = (error: DomainError): RestError =>
  fromGraphQLError({
    message: error.message,
    extensions: { ...error.data, code: error.code, details: error.details, reason: error.reason },
  });

/** What a route's mutation selects on its payload, so that a refusal maps through {@link refusalIn}. */
export const USER_ERROR_FIELDS = 'userErrors { code field message }';

/**
 * The refusal a mutation answered as `userErrors` (the graph's mutation contract), as the REST error the same
 * refusal was as a top-level GraphQL error: the user errors name the reason and the payload carries its facts (a PIN
 * challenge, the attempts left), so status and body are those of {@link fromGraphQLError}. Undefined when no payload
 * in `data` reports one; user errors whose code is one of `outcomes` are the caller's to answer as its result.
 */
export function refusalIn(data: Record<string, unknown>, outcomes: readonly string[] = []): RestError | undefined {
  for (const payload of Object.values(data)) {
    if (!isRecord(payload) || !Array.isArray(payload.userErrors) || !payload.userErrors.length) continue;
    if (outcomes.includes((payload.userErrors[0] as { code?: string }).code ?? '')) continue;
    const facts: Record<string, unknown> = {};
    for (const source of [payload, ...Object.values(payload).filter(isRecord)]) {
      for (const key of DATA_EXTENSIONS)
        if (source[key] !== undefined && source[key] !== null) facts[key] = source[key];
    }
    const error = domainErrorOf(payload.userErrors as Parameters<typeof domainErrorOf>[0], facts);
    return error ? fromDomainError(error) : restError(500);
  }
  return undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const snakeCase = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/** The mobile payments API (v2), whose document has its own error vocabulary. */
export const isMobileApiPath = (path: string) => path.startsWith('/pos/v2/');

/** The loyalty API, whose bodies are `{"data": …}` and whose errors are named by a code. */
export const isLoyaltyApiPath = (path: string) => path.startsWith('/webhook/');

/**
 * The mobile payments document answers a request it refuses with 400 only (no 409 or 422): a refused payment
 * (an amount above what is due, a locked check, a reused key) is a 400 there, with the reason as its message.
 */
function asMobileError(error: RestError): RestError {
  if (error.status !== 409 && error.status !== 422) return error;
  return { ...error, status: 400, details: error.details.length ? error.details : [error.message] };
}

/**
 * A detail's field as the v1 bodies name it: the graph's inputs name integer minor units `…Minor` (`amountMinor`),
 * the v1 bodies `…_cents` (`amount_cents`), as they always did.
 */
const v1FieldName = (field: string) => field.replace(/_minor\b/g, '_cents');

/**
 * How errors look on each API: v2 (mobile payments) exactly as its seed document; v1 (partner API) adds `code`,
 * and its details name fields as its snake_case bodies do (`level3.line_items.0.unit_cost_cents: …`), since the
 * services phrase them in the graph's camelCase.
 */
function bodyOf(path: string, error: RestError, requestId?: string) {
  const details = error.status === 500 && requestId ? [`request id ${requestId}`] : error.details;
  if (isLoyaltyApiPath(path)) return loyaltyBody(error, details);
  const base = { status: error.status, timestamp: new Date().toISOString(), message: error.message };
  if (isMobileApiPath(path)) return { ...base, details };
  return {
    status: error.status,
    code: error.code,
    timestamp: base.timestamp,
    message: error.message,
    details: details.map((line) => {
      const colon = line.indexOf(': ');
      return colon > 0 ? `${v1FieldName(snakeCase(line.slice(0, colon)))}${line.slice(colon)}` : line;
    }),
  };
}

/**
 * Reasons the loyalty API names otherwise: a customer's PIN lock is the `pin_attempts_exceeded` its POS
 * integrations already handle (GraphQL keeps the distinct reason `pin_locked`).
 */
const LOYALTY_CODE_OF: Record<string, string> = { pin_locked: 'pin_attempts_exceeded' };
/** Facts the loyalty API names otherwise than by snake_case (the wait is `retry_after`, as the header). */
const LOYALTY_FIELD_OF: Record<string, string> = { retryAfterSeconds: 'retry_after' };

/**
 * The loyalty API's error body: `{"error": <code>, "message": …}`, the code as the seed's error tables name it
 * (`pin_required`, `insufficient_balance`, `customer not found`), plus what the POS needs to go on, snake_case as
 * the rest of that API (`challenge_id`, `remaining_attempts`, `locked_until`), and `details` when there is more
 * than the message.
 */
function loyaltyBody(error: RestError, details: string[]) {
  return {
    error: LOYALTY_CODE_OF[error.code] ?? error.code,
    message: error.message,
    ...Object.fromEntries(
      Object.entries(error.data ?? {}).map(([key, value]) => [LOYALTY_FIELD_OF[key] ?? snakeCase(key), value]),
    ),
    ...(details.length ? { details } : {}),
  };
}

export function sendRestError(res: Response, restError: RestError, requestId?: string): void {
  const path = res.req.baseUrl + res.req.path;
  const error = isMobileApiPath(path) ? asMobileError(restError) : restError;
  // An API key is no HTTP authentication scheme, so a 401 there names none.
  if (error.status === 401 && !isLoyaltyApiPath(path)) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="pos", error="invalid_token"');
  }
  // Retry-After in seconds: what the refusal says (a rate limit's wait), else 5 s for an unavailable dependency.
  if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(error.retryAfterSeconds));
  else if (error.status === 503) res.setHeader('Retry-After', '5');
  res.status(error.status).json(bodyOf(path, error, requestId));
}
