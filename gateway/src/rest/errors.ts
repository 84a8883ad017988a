import type { Response } from 'express';

/**
 * The one mapping of the error vocabulary to REST. Bodies follow the API documents in shared/seeds:
 * `{status, timestamp, message, details}`. A 500 never carries internal text, only the request id to quote.
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
};

const MESSAGE_BY_STATUS: Record<number, string> = {
  400: 'Validation error',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  422: 'Unprocessable entity',
  500: 'Internal Server Error',
};

export interface RestError {
  status: number;
  message: string;
  details: string[];
}

export function restError(status: number, message?: string, details: string[] = []): RestError {
  return { status, message: message ?? MESSAGE_BY_STATUS[status] ?? 'Error', details };
}

/** A GraphQL error (its extensions.code) as a REST error. Unknown codes are internal errors. */
export function fromGraphQLError(error: { message: string; extensions?: Record<string, unknown> }): RestError {
  const code = typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL_SERVER_ERROR';
  const status = STATUS_BY_CODE[code] ?? 500;
  if (status === 500) return restError(500);
  const details = Array.isArray(error.extensions?.details) ? (error.extensions.details as string[]) : [];
  return restError(
    status,
    status === 400 ? MESSAGE_BY_STATUS[400] : error.message,
    status === 400 && !details.length ? [error.message] : details,
  );
}

export function sendRestError(res: Response, error: RestError, requestId?: string): void {
  if (error.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="pos", error="invalid_token"');
  res.status(error.status).json({
    status: error.status,
    timestamp: new Date().toISOString(),
    message: error.message,
    details: error.status === 500 && requestId ? [`request id ${requestId}`] : error.details,
  });
}
