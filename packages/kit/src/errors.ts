import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { isDatabaseUnavailable } from './db';
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
  /** The action is refused until the account pays (a loyalty org whose subscription lapsed). */
  PAYMENT_REQUIRED: 'PAYMENT_REQUIRED',
  /** The action needs a verification first (a loyalty PIN); the error says how to provide it. */
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  /** Too many attempts or requests; retry later or start over. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** A dependency (the payment processor) did not answer; the client may retry. */
  UNAVAILABLE: 'UNAVAILABLE',
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

/**
 * An expected failure. `code` is the vocabulary the transports map (GraphQL `extensions.code`, an HTTP status);
 * `reason` is the stable, machine-readable snake_case name of this particular failure (`amount_exceeds_due`), sent
 * as `extensions.reason` and as the REST body's `code`, so clients can branch on it without parsing messages.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: string[] = [],
    readonly reason?: string,
    /** Facts the client needs to act on the refusal (a challenge id, the attempts left), sent as extensions. */
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string) => new DomainError(ErrorCode.NOT_FOUND, `${what} not found`);
export const badInput = (message: string, details: string[] = []) =>
  new DomainError(ErrorCode.BAD_USER_INPUT, message, details, 'validation_error');
export const conflict = (reason: string, message: string, details: string[] = []) =>
  new DomainError(ErrorCode.CONFLICT, message, details, reason);
export const unprocessable = (
  reason: string,
  message: string,
  details: string[] = [],
  data?: Record<string, unknown>,
) => new DomainError(ErrorCode.UNPROCESSABLE, message, details, reason, data);
export const unauthenticated = (message = 'Unauthorized') => new DomainError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message = 'Forbidden') => new DomainError(ErrorCode.FORBIDDEN, message);

/**
 * Whether a client may see this error as it is: a domain error, a request error of graphql-js / Apollo Server
 * (parse, validation) or an error a subgraph already classified with a public code. Anything else is unexpected.
 */
function isExpected(error: unknown, code: unknown): boolean {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) return true;
  if (typeof code === 'string') return PUBLIC_ERROR_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR;
  return original instanceof GraphQLError && !original.originalError;
}

/**
 * Apollo Server `formatError` for every subgraph and the gateway. Domain errors keep their code and message;
 * request errors pass through; anything unexpected is replaced by a generic message, so internal text (SQL, stack
 * traces, hostnames) never reaches a client. {@link errorReporting} logs those and adds the request id.
 */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) {
    return {
      message: original.message,
      path: formatted.path,
      locations: formatted.locations,
      extensions: {
        ...original.data,
        code: original.code,
        details: original.details,
        ...(original.reason ? { reason: original.reason } : {}),
      },
    };
  }
  if (isExpected(error, formatted.extensions?.code)) return formatted;
  // The database restarting or down is no fault of the request: the client may retry (REST 503), and is told so
  // without internals. errorReporting still logs it, with the request id, as the unexpected event it is.
  if (isDatabaseUnavailable(original)) {
    return {
      message: 'A database this service needs is not available; retry later',
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: ErrorCode.UNAVAILABLE, details: [], reason: 'dependency_unavailable' },
    };
  }
  return {
    message: 'Internal server error',
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

/**
 * Logs every unexpected error with the request id, and puts that id on the masked error the client receives, so a
 * client can quote it and we can find the log line. (formatError sees neither the request nor its context.)
 */
export function errorReporting(logger: Logger): ApolloServerPlugin<{ requestId: string }> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            if (!isExpected(error, error.extensions?.code)) {
              logger.error(
                { err: unwrapResolverError(error), requestId: contextValue.requestId, path: error.path },
                'unexpected error',
              );
            } else if (error.extensions?.reason === 'service_unavailable') {
              // The gateway could not reach a subgraph: an expected answer for the client, an event for operators.
              const cause = causeOf(error);
              logger.warn(
                {
                  requestId: contextValue.requestId,
                  serviceName: error.extensions.serviceName,
                  cause: describeCause(cause),
                },
                'subgraph unavailable',
              );
            }
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          for (const error of response.body.singleResult.errors ?? []) {
            if (error.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR) {
              (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
            }
          }
        },
      };
    },
  };
}

/** The `cause` the gateway's data source put on the error it answered for a subgraph (see datasource.ts). */
function causeOf(error: unknown, depth = 0): unknown {
  if (!error || typeof error !== 'object' || depth > 3) return undefined;
  const { cause, originalError } = error as { cause?: unknown; originalError?: unknown };
  return cause ?? causeOf(originalError, depth + 1);
}

/**
 * "fetch failed: connect ECONNREFUSED 127.0.0.1:4004": an error's message and code, then its causes'. By shape, not
 * instanceof: errors made by Node's own modules may come from another realm (jest's).
 */
function describeCause(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 3) return undefined;
  const { message, code, cause } = error as { message?: unknown; code?: unknown; cause?: unknown };
  const text = typeof message === 'string' && message ? message : typeof code === 'string' ? code : 'error';
  const inner = describeCause(cause, depth + 1);
  return inner ? `${text}: ${inner}` : text;
}
