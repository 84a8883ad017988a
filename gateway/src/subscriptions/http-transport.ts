import type { ApolloServerPlugin } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';

/**
 * A subscription sent to /graphql as a plain HTTP request is the client's mistake, not the server's: it is answered
 * 400 with the transport to use, before it is charged or planned (@apollo/gateway would throw "Execution of
 * subscriptions not supported by gateway", a 500 and an error log line per request). Subscriptions are served over
 * graphql-ws on the same URL (ws-server.ts).
 */
export function subscriptionsOverHttpRefused(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw new GraphQLError(
            'Subscriptions are not served over a plain HTTP request: open a WebSocket to this URL with the ' +
              'graphql-transport-ws protocol (a graphql-ws client) and subscribe there',
            {
              extensions: {
                code: 'BAD_REQUEST',
                supportedTransports: ['graphql-transport-ws'],
                http: { status: 400, headers: new HeaderMap() },
              },
            },
          );
        },
      };
    },
  };
}
