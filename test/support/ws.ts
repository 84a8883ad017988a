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

/** Subscribes (or runs a query) over graphql-ws until the first result or error. */
export function firstOf(client: Client, query: string): Promise<{ result?: any; errors?: any[] }> {
  return new Promise((resolve) => {
    let dispose = () => undefined as void;
    dispose = client.subscribe(
      { query },
      {
        next: (result) => {
          resolve({ result });
          setImmediate(() => dispose());
        },
        error: (errors) => resolve({ errors: errors as any[] }),
        complete: () => resolve({}),
      },
    );
  });
}
