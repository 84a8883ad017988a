import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from './logger';

/**
 * The one error vocabulary of the system. Services throw {@link DomainError}s with one of these codes; each
 * transport maps them in exactly one place (GraphQL: {@link formatGraphQLError}; REST: the gateway's rest/errors.ts).
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  UNPROCESSABLE: 'UNPROCESSABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes a client may see as they are; anything else from a subgraph is masked by the gateway. */
export const PUBLIC_ERROR_CODES: ReadonlySet<string> = new Set([
  ...Object.values(ErrorCode),
  // graphql-js / Apollo Server request errors carry these and are safe to show
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
]);

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string) => new DomainError(ErrorCode.NOT_FOUND, `${what} not found`);
export const badInput = (message: string, details: string[] = []) =>
  new DomainError(ErrorCode.BAD_USER_INPUT, message, details);
export const unauthenticated = (message = 'Unauthorized') => new DomainError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message = 'Forbidden') => new DomainError(ErrorCode.FORBIDDEN, message);

/**
 * Apollo Server `formatError` for every subgraph and the gateway. Domain errors keep their code and message;
 * graphql-js request errors pass through; anything unexpected is logged with the request id and replaced by a
 * generic message, so internal text (SQL, stack traces, hostnames) never reaches a client.
 */
export function formatGraphQLError(
  logger: Logger,
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) {
    return {
      message: original.message,
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: original.code, details: original.details },
    };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && PUBLIC_ERROR_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
    return formatted;
  }
  if (original instanceof GraphQLError && !original.originalError && code === undefined) {
    return formatted;
  }
  const requestId = (error as { requestId?: string } | undefined)?.requestId;
  logger.error({ err: original, path: formatted.path }, 'unexpected error');
  return {
    message: 'Internal server error',
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(requestId ? { requestId } : {}) },
  };
}
