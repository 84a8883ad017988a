import type { ApolloServerPlugin } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import { GraphQLError, Kind } from 'graphql';

/**
 * An `operationName` that names no operation of the document (or none given for a document of several) is the
 * client's mistake: 400 with graphql-js's own wording. Apollo Server leaves it to the executor, and @apollo/gateway's
 * throws an error without a code there, which would be a 500 and an error log line per request. GraphiQL sends
 * exactly this when its editor's operation name lags behind the text being run.
 */
export function unknownOperationRefused(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (operation) return;
          const named = request.operationName;
          const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
          const message = named
            ? `Unknown operation named "${named}".`
            : operations > 1
              ? 'Must provide operation name if query contains multiple operations.'
              : 'Must provide an operation.';
          throw new GraphQLError(message, {
            extensions: { code: 'BAD_REQUEST', http: { status: 400, headers: new HeaderMap() } },
          });
        },
      };
    },
  };
}
