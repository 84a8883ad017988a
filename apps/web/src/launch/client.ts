import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache, ServerError } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { ErrorLink } from '@apollo/client/link/error';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { persistedQueryHash } from '@pos/client';
import type { LaunchSession } from './session';

/**
 * The launch page's GraphQL client. The POS user's access token, held by the session in memory, goes in the
 * Authorization header of each request (refreshed first when due); the browser's cookies are not sent, so the token is
 * the only credential. Every operation goes by its hash from @pos/client's manifest first, as the portal's client
 * does (the page works where the gateway requires trusted documents), with the manifest's text only if the gateway
 * does not know the hash.
 */
export function launchClient(session: LaunchSession) {
  /** The gateway's id of the last /graphql request, to quote with an error (a network failure has none). */
  let lastReference: string | null = null;
  const recordingFetch: typeof fetch = async (input, init) => {
    lastReference = null;
    const response = await fetch(input, init);
    lastReference = response.headers.get('x-request-id');
    return response;
  };

  const auth = new SetContextLink(async ({ headers }) => ({
    headers: {
      ...(headers as Record<string, string> | undefined),
      authorization: `Bearer ${await session.accessToken()}`,
    },
  }));
  // A refused token ends the session: it was revoked (signed out elsewhere, the launch link opened again) or the
  // person's access changed. Retrying with it cannot help.
  const refused = new ErrorLink(({ error, operation }) => {
    const unauthenticated =
      (ServerError.is(error) && error.statusCode === 401) ||
      (CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED'));
    if (!unauthenticated) return;
    const sent = (operation.getContext().headers as Record<string, string> | undefined)?.authorization;
    session.refusedByGraph(sent?.replace(/^Bearer /, '') ?? null, lastReference);
  });
  const client = new ApolloClient({
    link: ApolloLink.from([
      refused,
      new PersistedQueryLink({ generateHash: persistedQueryHash, useGETForHashedQueries: false }),
      auth,
      new HttpLink({ uri: '/graphql', credentials: 'omit', fetch: recordingFetch }),
    ]),
    cache: new InMemoryCache(),
  });
  return { client, reference: () => lastReference };
}

/** An operation's failure as a sentence for the page: never a stack or a status line. */
export function describeGraphError(error: unknown): string {
  if (CombinedGraphQLErrors.is(error)) {
    const codes = error.errors.map((e) => e.extensions?.code);
    if (codes.includes('FORBIDDEN')) return 'Your role may not read this location’s checks.';
    if (codes.includes('RATE_LIMITED')) return 'There were too many requests just now. Try again in a moment.';
    if (codes.includes('UNAVAILABLE')) return 'A service behind the gateway is unavailable. Try again in a moment.';
    return 'The gateway could not answer this request.';
  }
  if (ServerError.is(error)) {
    if (error.statusCode === 429) return 'There were too many requests just now. Try again in a moment.';
    if (error.statusCode >= 500) return 'The gateway is unavailable right now. Try again in a moment.';
    return 'The gateway refused this request.';
  }
  return 'The gateway could not be reached. Check the connection, then try again.';
}
