import { type Client, type ClientOptions, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * A graphql-ws client of the gateway at `gatewayUrl` (its http(s) /graphql URL), authenticated as `token`, that does
 * not retry unless `options` say so (a test sees each close as it happens).
 */
export function gatewayWsClient(gatewayUrl: string, token: string, options: Partial<ClientOptions> = {}): Client {
  return createClient({
    url: gatewayUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${token}` },
    retryAttempts: 0,
    ...options,
  });
}
