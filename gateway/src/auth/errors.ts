import { DomainError, ErrorCode, formatGraphQLError, isDatabaseUnavailable } from '@pos/kit';
import { GraphQLError } from 'graphql';
import { KeysUnavailableError } from './verify';

/** A credential missing, malformed or refused: GraphQL UNAUTHENTICATED (HTTP 401), REST 401, graphql-ws 4403. */
export const unauthorized = () =>
  new GraphQLError('Unauthorized', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });

/**
 * A portal session cookie on a request the portal's own pages did not make (cross-site request forgery, or a
 * browser that says nothing of where the request comes from): GraphQL FORBIDDEN (HTTP 403), graphql-ws 4403.
 */
export const crossSiteSession = () =>
  new GraphQLError("A portal session is accepted only from the portal's own pages", {
    extensions: { code: 'FORBIDDEN', http: { status: 403 } },
  });

export const isCrossSiteSession = (error: unknown): error is GraphQLError =>
  error instanceof GraphQLError && error.extensions.code === ErrorCode.FORBIDDEN;

export const KEYS_UNAVAILABLE_MESSAGE = "The token issuer's keys are not available; retry later";

/**
 * The error a failed authentication is answered with. A lookup the check needs (client → tenant, user, session, API
 * key) that failed because the database cannot be reached (PostgreSQL restarting or down, and the caller not in the
 * lookup cache), or the issuer's key set (JWKS_URL) that could not be fetched, says nothing about the credential: a
 * 401, or 4403 on graphql-ws, would tell the caller to drop a valid credential. For the database it is what
 * formatGraphQLError makes of a database outage anywhere else (UNAVAILABLE, `dependency_unavailable`, its message,
 * nothing internal: no originalError, whose stack would carry the driver's text), sent as HTTP 503; the key set's is
 * the domain error of the same code and reason with its own message, through the same formatter. REST maps it
 * through rest/errors.ts and graphql-ws closes with 1013 (ws-server.ts). Anything else is the 401 it always was.
 */
export function authenticationError(error: unknown): GraphQLError {
  const undecided =
    error instanceof KeysUnavailableError
      ? new DomainError(ErrorCode.UNAVAILABLE, KEYS_UNAVAILABLE_MESSAGE, [], 'dependency_unavailable')
      : isDatabaseUnavailable(error)
        ? error
        : null;
  if (!undecided) return unauthorized();
  const { message, extensions } = formatGraphQLError({ message: 'Unauthorized' }, undecided);
  return new GraphQLError(message, { extensions: { ...extensions, http: { status: 503 } } });
}

/** Whether authentication could not decide (see {@link authenticationError}): retry later, keep the credential. */
export const isAuthenticationUnavailable = (error: unknown): error is GraphQLError =>
  error instanceof GraphQLError && error.extensions.code === ErrorCode.UNAVAILABLE;
