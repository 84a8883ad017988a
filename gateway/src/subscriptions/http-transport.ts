import type { ApolloServerPlugin } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { MULTIPART_TRANSPORT, SSE_TRANSPORT } from './http-streams';

/** What the 400 of a subscription over plain HTTP lists, in `extensions.supportedTransports`. */
export const SUPPORTED_TRANSPORTS = ['graphql-transport-ws', MULTIPART_TRANSPORT, SSE_TRANSPORT];

/**
 * A subscription sent to /graphql as a plain HTTP request is the client's mistake, not the server's: it is answered
 * 400 with the transports to use, before it is charged or planned (@apollo/gateway would throw "Execution of
 * subscriptions not supported by gateway", a 500 and an error log line per request). Subscriptions are served on the
 * same URL over graphql-ws (ws-server.ts), and over multipart HTTP and SSE (http-streams.ts), which take a request
 * before Apollo Server does when its Accept header asks for one of them.
 */
export function subscriptionsOverHttpRefused(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw new GraphQLError(
            'Subscriptions are not served as a plain JSON HTTP request. Subscribe on this URL over a WebSocket ' +
              'with the graphql-transport-ws protocol (a graphql-ws client), over multipart HTTP (Accept: ' +
              'multipart/mixed;subscriptionSpec=1.0, as Apollo Client sends), or over server-sent events ' +
              '(Accept: text/event-stream, a graphql-sse client)',
            {
              extensions: {
                code: 'BAD_REQUEST',
                supportedTransports: SUPPORTED_TRANSPORTS,
                http: { status: 400, headers: new HeaderMap() },
              },
            },
          );
        },
      };
    },
  };
}
