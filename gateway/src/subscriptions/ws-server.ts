import type { IncomingMessage } from 'node:http';
import type { Logger } from '@pos/kit';
import { CloseCode, type ServerOptions, handleProtocols, makeServer } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';

/**
 * The close code of a client that does not read what the gateway sends it ("too slow"). Application codes live in
 * 4000-4999; graphql-ws takes 4004, 4005, 4400, 4401, 4403, 4406, 4408, 4409, 4429, 4499, 4500 and 4504. 4008
 * mirrors the protocol's 1008 (policy violation) and collides with none of them. graphql-ws clients do not treat
 * it as fatal, so they reconnect; a client resumes with `paymentEvents(after:)` set to the last cursor it read.
 */
export const CLIENT_TOO_SLOW = 4008;
const CLIENT_TOO_SLOW_REASON = 'Client too slow: subscribe again with after set to the last cursor received';

export interface Extra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

export interface WsServerOptions {
  /**
   * Bytes a socket may hold unsent (ws's bufferedAmount) before the gateway closes it with CLIENT_TOO_SLOW.
   * Sends never wait for a client, so this is the one bound on what a client that stops reading can cost.
   */
  maxBufferedBytes: number;
  /** Ping interval; a client that answers no ping within the next interval is dropped (as graphql-ws does). */
  keepAliveMs?: number;
  logger: Logger;
}

/**
 * graphql-ws on a `ws` server, like graphql-ws's own `useServer`, except for how it sends. `useServer` waits for
 * each message to be written before the subscription takes the next event, so a client that stops reading stalls
 * its subscriptions, the events pile up in the gateway's queues, and the client is only dropped by the keep-alive,
 * without a reason. Here sends do not wait: what a slow client has not read stays in its socket's buffer, and
 * when that passes `maxBufferedBytes` the socket is closed with CLIENT_TOO_SLOW and its subscriptions are ended at
 * once (the close frame itself waits behind the unsent data; ws destroys the socket if it is never read).
 */
export function useWsServer<P extends Record<string, unknown>, E extends Record<PropertyKey, unknown>>(
  options: ServerOptions<P, Extra & Partial<E>>,
  wss: WebSocketServer,
  { maxBufferedBytes, keepAliveMs = 12_000, logger }: WsServerOptions,
): { dispose(): Promise<void> } {
  const server = makeServer(options);
  wss.options.handleProtocols = handleProtocols;

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    let ended = false;
    let pongWait: NodeJS.Timeout | null = null;
    const pingInterval = setInterval(() => {
      if (socket.readyState !== socket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
      socket.once('pong', () => {
        if (pongWait) clearTimeout(pongWait);
        pongWait = null;
      });
      socket.ping();
    }, keepAliveMs);

    // Idempotent: runs when the gateway closes a slow client and again when its socket finally closes.
    const end = (code: number, reason: string) => {
      if (ended) return;
      ended = true;
      clearInterval(pingInterval);
      if (pongWait) clearTimeout(pongWait);
      void closed(code, reason);
    };

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: async (data) => {
          if (socket.readyState !== socket.OPEN) return;
          socket.send(data);
          if (socket.bufferedAmount > maxBufferedBytes) {
            logger.warn({ bufferedBytes: socket.bufferedAmount }, 'closing a graphql-ws client that does not read');
            socket.close(CLIENT_TOO_SLOW, CLIENT_TOO_SLOW_REASON);
            end(CLIENT_TOO_SLOW, CLIENT_TOO_SLOW_REASON);
          }
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on('message', async (message: Buffer) => {
            // A client already closed for being slow starts nothing new before its socket is gone.
            if (ended) return;
            try {
              await cb(String(message));
            } catch (error) {
              logger.error({ err: error }, 'graphql-ws message handling failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket, request } as Extra & Partial<E>,
    );

    socket.once('error', (error) => {
      logger.warn({ err: error }, 'graphql-ws socket error');
      socket.close(CloseCode.InternalServerError, 'Internal server error');
    });
    socket.once('close', (code, reason) => end(code, String(reason)));
  });

  return {
    dispose: async () => {
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
