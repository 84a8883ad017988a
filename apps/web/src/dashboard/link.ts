import { ApolloLink } from '@apollo/client';
import { persistedQueryHash, trustedDocuments } from '@pos/client';
import type { Client } from 'graphql-ws';
import { Observable } from 'rxjs';

/** The socket closed under an operation: `code` is the WebSocket close code (4403 refused token, 4008 too slow). */
export class SocketClosed extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`Connection lost (${code}${reason ? `: ${reason}` : ''}).`);
    this.name = 'SocketClosed';
  }
}

/** GraphQL errors an operation ended with (an `error` message of graphql-ws). */
export class OperationErrors extends Error {
  constructor(readonly errors: ReadonlyArray<{ message?: string; extensions?: { code?: unknown } }>) {
    super(errors.map((e) => e?.message ?? 'error').join('; '));
    this.name = 'OperationErrors';
  }

  get codes(): unknown[] {
    return this.errors.map((e) => e?.extensions?.code);
  }
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === 'object' && value !== null && 'code' in value && 'reason' in value;
}

/**
 * Apollo Client's terminating link over graphql-ws that sends every operation by its hash only: the id
 * @pos/client generated (`extensions.persistedQuery.sha256Hash`, from the trusted-documents manifest the gateway
 * loads) and an empty `query`, which graphql-ws's protocol requires to be a string. So the page works under
 * TRUSTED_DOCUMENTS=require, where a POS user's token may send nothing but the manifest's documents. (Apollo's own
 * GraphQLWsLink always sends the printed text beside the hash.) A gateway that does not know the hash (one with
 * TRUSTED_DOCUMENTS=off ignores the manifest) answers PersistedQueryNotFound: the operation is then sent once more
 * with the manifest's text, as Apollo's persisted query link falls back. Errors keep what the page acts on: the close
 * code, or the GraphQL errors with their codes.
 */
export class TrustedDocumentsWsLink extends ApolloLink {
  constructor(private readonly client: Client) {
    super();
  }

  override request(operation: ApolloLink.Operation): Observable<ApolloLink.Result> {
    const sha256Hash = persistedQueryHash(operation.query);
    return new Observable<ApolloLink.Result>((observer) => {
      let stop = () => {};
      const send = (query: string) => {
        stop = this.client.subscribe(
          {
            query,
            operationName: operation.operationName,
            variables: operation.variables,
            extensions: { persistedQuery: { version: 1, sha256Hash } },
          },
          {
            next: (result) => observer.next(result as ApolloLink.Result),
            complete: () => observer.complete(),
            error: (error: unknown) => {
              if (isCloseEvent(error)) return observer.error(new SocketClosed(error.code, error.reason));
              if (!Array.isArray(error)) {
                return observer.error(error instanceof Error ? error : new SocketClosed(1006, ''));
              }
              const errors = new OperationErrors(error);
              const text = trustedDocuments[`sha256:${sha256Hash}`];
              if (query === '' && text !== undefined && errors.codes.includes('PERSISTED_QUERY_NOT_FOUND')) {
                return send(text);
              }
              observer.error(errors);
            },
          },
        );
      };
      send('');
      return () => stop();
    });
  }
}
