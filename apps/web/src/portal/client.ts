import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { persistedQueryHash } from '@pos/client';
import { map } from 'rxjs';

/**
 * Puts the response's reference id (the gateway's `x-request-id`) on every error it carries that has none, so that
 * the page can show it with the error's sentence (failure.ts).
 */
const referenceLink = new ApolloLink((operation, forward) =>
  forward(operation).pipe(
    map((result) => {
      if (!result.errors?.length) return result;
      const response = operation.getContext().response as Response | undefined;
      const requestId = response?.headers.get('x-request-id');
      if (!requestId) return result;
      return {
        ...result,
        errors: result.errors.map((error) => ({
          ...error,
          extensions: { requestId, ...error.extensions },
        })),
      };
    }),
  ),
);

/**
 * The portal's GraphQL client. The signed-in person's credential is the gateway's HttpOnly session cookie, which the
 * browser sends with these same-origin requests by itself: the page never sees a token. Every operation goes by its
 * hash from @pos/client's manifest first (so the page works where the gateway requires trusted documents), with the
 * manifest's text only if the gateway does not know the hash.
 */
export const client = new ApolloClient({
  link: ApolloLink.from([
    new PersistedQueryLink({ generateHash: persistedQueryHash, useGETForHashedQueries: false }),
    referenceLink,
    new HttpLink({ uri: '/graphql', credentials: 'same-origin' }),
  ]),
  cache: new InMemoryCache(),
});

/** Who is signed in, as GET /portal/session answers. */
export interface Person {
  id: string;
  email: string;
  name: string;
  role: 'partner_admin' | 'partner_developer' | 'operator';
  partnerId: string;
}

/** The signed-in person, or null after sending the browser to sign in (the session ended or never began). */
export async function currentPerson(): Promise<Person | null> {
  const res = await fetch('/portal/session', { credentials: 'same-origin' });
  if (res.status === 401) {
    window.location.assign('/portal/login');
    return null;
  }
  if (!res.ok) throw new Error(`The portal could not load who is signed in (HTTP ${res.status}).`);
  return ((await res.json()) as { person: Person }).person;
}

export async function signOut(): Promise<void> {
  await fetch('/portal/logout', { method: 'POST', credentials: 'same-origin' });
  window.location.assign('/portal/login');
}
