import type { Request, Response } from 'express';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import { httpStatusOf } from '../operations';
import { formatted } from './framing';
import { acceptsGraphQLResponse } from './requests';

/**
 * Answers a request refused before any stream started, with a GraphQL response body: 400 for a bad document, 401
 * for a bad credential, 429 (and Retry-After) over a rate limit or budget, 503 when the credential could not be
 * checked. `application/graphql-response+json` when the client accepts it (Apollo Client then reads the errors as
 * GraphQL errors), else `application/json`.
 */
export function refuse(req: Request, res: Response, errors: ReadonlyArray<GraphQLError>): void {
  const explicit = errors.find((error) => typeof (error.extensions.http as { status?: unknown })?.status === 'number');
  const { status, retryAfterSeconds } = httpStatusOf(errors);
  res.status(explicit ? (explicit.extensions.http as { status: number }).status : status);
  if (retryAfterSeconds !== undefined) res.setHeader('retry-after', String(retryAfterSeconds));
  const graphqlResponse = acceptsGraphQLResponse(req.headers.accept);
  res.setHeader(
    'content-type',
    `${graphqlResponse ? 'application/graphql-response+json' : 'application/json'}; charset=utf-8`,
  );
  res.end(JSON.stringify({ errors: errors.map(formatted) }));
}

/** A graphql-sse answer about a reservation or its operations (not found, already there), as JSON errors. */
export function answerErrors(res: Response, status: number, errors: GraphQLFormattedError[]): void {
  res.status(status).setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ errors }));
}
