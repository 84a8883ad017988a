import { ErrorCode, type Logger, formatGraphQLError } from '@pos/kit';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/**
 * A stream the client may simply subscribe to again: a resumable field (paymentEvents) with `after` set to the last
 * cursor it received; any other (loyaltyPinChallenges, whose events are whole states) as it is.
 */
export const unavailable = (reason: 'subscriber_too_slow' | 'upstream_unavailable') =>
  new GraphQLError(
    reason === 'subscriber_too_slow'
      ? 'Events arrive faster than this subscription takes them: subscribe again (with after set to the last cursor received, where the field takes one)'
      : 'The event stream is unavailable for now: subscribe again (with after set to the last cursor received, where the field takes one)',
    { extensions: { code: ErrorCode.UNAVAILABLE, reason } },
  );

/**
 * Errors from a subgraph's graphql-ws stream are not formatted there: only public codes pass, as on HTTP. The
 * decision is formatGraphQLError's; it is handed no original error, so an upstream error is judged by its code
 * alone (one without a code is masked), and keeps only what a client may rely on: code, details and reason.
 */
export function publicError(error: GraphQLFormattedError | GraphQLError, logger: Logger): GraphQLError {
  const { code, details, reason } = (error.extensions ?? {}) as { code?: unknown; details?: unknown; reason?: unknown };
  const path = error.path ? [...error.path] : undefined;
  const extensions = { code, ...(details !== undefined ? { details } : {}), ...(reason ? { reason } : {}) };
  const formatted = formatGraphQLError({ message: error.message, path, extensions }, undefined);
  if (formatted.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR) {
    logger.warn({ error: { message: error.message, code } }, 'masked an unexpected subscription error');
  }
  return new GraphQLError(formatted.message, { path: formatted.path, extensions: formatted.extensions });
}
