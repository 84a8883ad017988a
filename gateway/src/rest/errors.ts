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
  UNAVAILABLE: 503,
};

const MESSAGE_BY_STATUS: Record<number, string> = {
  400: 'Validation error',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  415: 'Unsupported media type',
  422: 'Unprocessable entity',
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
  415: 'unsupported_media_type',
  422: 'unprocessable',
  500: 'internal_error',
  503: 'service_unavailable',
};

export interface RestError {
  status: number;
  message: string;
  details: string[];
  /** Stable snake_case name of the failure, e.g. amount_exceeds_due. */
  code: string;
}

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
  return restError(
    status,
    status === 400 ? MESSAGE_BY_STATUS[400] : error.message,
    status === 400 && !details.length ? [error.message] : details,
    reason,
  );
}

const snakeCase = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/** The mobile payments API (v2), whose document has its own error vocabulary. */
export const isMobileApiPath = (path: string) => path.startsWith('/pos/v2/');

/**
 * The mobile payments document answers a request it refuses with 400 only (no 409 or 422): a refused payment
 * (an amount above what is due, a locked check, a reused key) is a 400 there, with the reason as its message.
 */
function asMobileError(error: RestError): RestError {
  if (error.status !== 409 && error.status !== 422) return error;
  return { ...error, status: 400, details: error.details.length ? error.details : [error.message] };
}

/**
 * How errors look on each API: v2 (mobile payments) exactly as its seed document; v1 (partner API) adds `code`,
 * and its details name fields as its snake_case bodies do (`level3.line_items.0.unit_cost_cents: …`), since the
 * services phrase them in the graph's camelCase.
 */
function bodyOf(path: string, error: RestError, requestId?: string) {
  const details = error.status === 500 && requestId ? [`request id ${requestId}`] : error.details;
  const base = { status: error.status, timestamp: new Date().toISOString(), message: error.message };
  if (isMobileApiPath(path)) return { ...base, details };
  return {
    status: error.status,
    code: error.code,
    timestamp: base.timestamp,
    message: error.message,
    details: details.map((line) => {
      const colon = line.indexOf(': ');
      return colon > 0 ? `${snakeCase(line.slice(0, colon))}${line.slice(colon)}` : line;
    }),
  };
}

export function sendRestError(res: Response, restError: RestError, requestId?: string): void {
  const path = res.req.baseUrl + res.req.path;
  const error = isMobileApiPath(path) ? asMobileError(restError) : restError;
  if (error.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="pos", error="invalid_token"');
  if (error.status === 503) res.setHeader('Retry-After', '5');
  res.status(error.status).json(bodyOf(path, error, requestId));
}
