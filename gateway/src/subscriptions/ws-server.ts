import type { IncomingMessage } from 'node:http';
import { type HeaderSource, headersOf } from '../auth/browser-requests';
import type { Logger, Principal } from '@pos/kit';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, MessageType, type SubscribePayload, parseMessage } from 'graphql-ws';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { isAuthenticationUnavailable } from '../auth/errors';
import { isPending } from '../hardening/store';
import {
  type CheckedOperation,
  type OperationPayload,
  type Operations,
  type Refused,
  type SubscriptionSink,
  isRefused,
} from './operations';

export type { OperationRequest, SubscriptionSink } from './operations';

/**
 * The close code of a client that does not read what the gateway sends it ("too slow"). Application codes live in
 * 4000-4999; graphql-ws takes 4004, 4005, 4400, 4401, 4403, 4406, 4408, 4409, 4429, 4499, 4500 and 4504. 4008
 * mirrors the protocol's 1008 (policy violation) and collides with none of them. graphql-ws clients do not treat
 * it as fatal, so they reconnect; a client resumes with `paymentEvents(after:)` set to the last cursor it read.
 */
export const CLIENT_TOO_SLOW = 4008;
const CLIENT_TOO_SLOW_REASON = 'Client too slow: subscribe again with after set to the last cursor received';

/**
 * The close code of a connection whose credential could not be checked (the database its lookups need is down):
 * RFC 6455's 1013 "Try Again Later". Not 4403 or 4401, after which a client drops its token, nor 1011 or 4500, which
 * graphql-ws clients treat as fatal: they retry 1013 (with their back-off, like 1001 and 1012), and so does the
 * dashboard, which stops only on 4403.
 */
export const TRY_AGAIN_LATER = 1013;

/** What a connection presents to be authenticated. */
export interface WsCredentials {
  /** `Authorization` (a bearer token) of the connection_init payload or, failing that, of the upgrade request. */
  authorization: string | undefined;
  /**
   * `X-Api-Key` the same way: a browser cannot set headers on a WebSocket upgrade, so a page signed in with a key
   * (the loyalty customer's page) sends it in connection_init.
   */
  apiKey: string | undefined;
  /** The client's address, as HTTP requests are limited by (wrong keys are counted per address). */
  address: string;
}

export interface GraphqlWsHandlers {
  /** Checks and runs each operation, as for every streaming transport. */
  operations: Operations;
  /**
   * The caller of a connection, from its credentials and the headers of its upgrade request (a browser's session
   * cookie and origin); throws to refuse the connection (4403 Forbidden), or an error isAuthenticationUnavailable
   * recognises when the credential could not be checked (closed with TRY_AGAIN_LATER).
   */
  authenticate(credentials: WsCredentials, upgrade: HeaderSource): Promise<Principal>;
  /** The client address of an upgrade request (the same as Express's req.ip for it, TRUST_PROXY included). */
  addressOf(request: IncomingMessage): string;
}

export interface WsServerOptions {
  /**
   * Bytes a socket may hold unsent (ws's bufferedAmount) before the gateway closes it with CLIENT_TOO_SLOW.
   * Sends never wait for a client, so this is the one bound on what a client that stops reading can cost.
   */
  maxBufferedBytes: number;
  /** Ping interval; a client that answers no ping within the next interval is dropped (as graphql-ws does). */
  keepAliveMs?: number;
  /** How long a new socket has to send connection_init (graphql-ws's default: 3 s). */
  connectionInitWaitMs?: number;
  logger: Logger;
}

const OPEN = 1;
const ACK = JSON.stringify({ type: MessageType.ConnectionAck });
const PONG = JSON.stringify({ type: MessageType.Pong });
/** Every message of the protocol is text, a Buffer included (ws sends a Buffer as a binary frame unless told). */
const TEXT_FRAME = { binary: false };

/**
 * The last result encoded, and its encoding. A shared stream hands the same string to each of its subscribers in
 * one synchronous loop, so all but the first find it here: the result is encoded as UTF-8 once per event and
 * stream, and each subscriber's message is its own few bytes around a copy of it.
 */
let lastResult: { json: string; bytes: Buffer } = { json: '', bytes: Buffer.alloc(0) };

/**
 * A `next` message as the bytes of one text frame's payload: `{"id":<id>,"type":"next","payload":<result>}`.
 * Sent as a Buffer (text frame), `ws` writes it as it is; sent as a string it would encode the whole message again
 * for every subscriber (measured on loopback: about 15% less CPU per delivery this way).
 */
function nextMessage(id: string, resultJson: string): Buffer {
  if (lastResult.json !== resultJson) lastResult = { json: resultJson, bytes: Buffer.from(resultJson) };
  const result = lastResult.bytes;
  const head = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  const headBytes = Buffer.byteLength(head);
  const message = Buffer.allocUnsafe(headBytes + result.length + 1);
  message.write(head, 0);
  result.copy(message, headBytes);
  message[message.length - 1] = CLOSING_BRACE;
  return message;
}

const CLOSING_BRACE = 0x7d;

/** One client subscription: all the gateway keeps per subscriber besides its membership of a shared stream. */
class Subscription implements SubscriptionSink {
  /** Set once the operation has started; null while it is being set up (and after it ended). */
  stop: (() => void) | null = null;
  ended = false;

  constructor(
    private readonly connection: Connection,
    readonly id: string,
  ) {}

  next(resultJson: string): void {
    if (this.ended) return;
    this.connection.send(nextMessage(this.id, resultJson));
  }

  error(errors: ReadonlyArray<GraphQLError | GraphQLFormattedError>): void {
    if (!this.finish()) return;
    this.connection.send(JSON.stringify({ id: this.id, type: MessageType.Error, payload: errors }));
  }

  complete(): void {
    if (!this.finish()) return;
    this.connection.send(JSON.stringify({ id: this.id, type: MessageType.Complete }));
  }

  /** Ends it from the gateway's side: it no longer counts as the client's. */
  private finish(): boolean {
    if (this.ended) return false;
    this.ended = true;
    this.stop = null;
    this.connection.forget(this);
    return true;
  }
}

/**
 * One socket speaking graphql-transport-ws. Holds the socket, the caller once connection_init is accepted, and the
 * subscriptions by id; not the upgrade request (only its headers, until connection_init).
 */
class Connection {
  principal: Principal | null = null;
  initialised = false;
  /** Answered the last ping (keep-alive). */
  alive = true;
  ended = false;
  subscriptions: Map<string, Subscription> | null = null;
  initTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly socket: WebSocket,
    public upgrade: HeaderSource | undefined,
    readonly address: string,
    private readonly server: GraphqlWsServer,
  ) {}

  /**
   * Sends without waiting (a Buffer as a text frame: a UTF-8 message, see nextMessage); a client with more than
   * the limit unsent is closed with CLIENT_TOO_SLOW.
   */
  send(data: string | Buffer): void {
    const { socket } = this;
    if (this.ended || socket.readyState !== OPEN) return;
    socket.send(data, TEXT_FRAME);
    if (socket.bufferedAmount > this.server.maxBufferedBytes) {
      this.server.logger.warn(
        { bufferedBytes: socket.bufferedAmount },
        'closing a graphql-ws client that does not read',
      );
      socket.close(CLIENT_TOO_SLOW, CLIENT_TOO_SLOW_REASON);
      // Its subscriptions end now; the close frame itself waits behind the unsent data (ws destroys the socket if
      // it is never read).
      this.end();
    }
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === OPEN) this.socket.close(code, reason);
    this.end();
  }

  forget(subscription: Subscription): void {
    if (this.subscriptions?.get(subscription.id) === subscription) this.subscriptions.delete(subscription.id);
  }

  /** Idempotent: when the gateway closes the client, and again when its socket has closed. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.server.connections.delete(this);
    if (this.initTimer) clearTimeout(this.initTimer);
    this.initTimer = null;
    this.upgrade = undefined;
    const subscriptions = this.subscriptions;
    this.subscriptions = null;
    for (const subscription of subscriptions?.values() ?? []) {
      subscription.ended = true;
      const stop = subscription.stop;
      subscription.stop = null;
      stop?.();
    }
  }
}

/**
 * graphql-ws's protocol (graphql-transport-ws) on a `ws` server, written out for the gateway rather than through
 * graphql-ws's `makeServer`, for what fan-out to thousands of subscribers costs:
 *
 * - Sends never wait. What a slow client has not read stays in its socket's buffer, and when that passes
 *   `maxBufferedBytes` the socket is closed with CLIENT_TOO_SLOW and its subscriptions end at once.
 * - A subscription is a {@link SubscriptionSink} the shared stream calls synchronously with the result it
 *   serialised once: no async iterator, queue or promise per subscriber, and no per-subscriber serialisation
 *   (graphql-ws's server stringifies every message, and awaits each send, per subscriber).
 * - Each operation is checked and run by {@link Operations}, as over HTTP's streaming transports; each distinct
 *   document text is parsed (without locations) and validated once.
 * - The upgrade request is not kept; one timer pings the sockets, spread over the interval, not one timer each.
 *
 * The messages, close codes and their reasons are graphql-ws's (`graphql-ws` clients are what the gateway serves).
 */
class GraphqlWsServer {
  readonly connections = new Set<Connection>();
  readonly maxBufferedBytes: number;
  readonly logger: Logger;
  private readonly connectionInitWaitMs: number;
  private readonly keepAlive: NodeJS.Timeout;

  constructor(
    private readonly wss: WebSocketServer,
    private readonly handlers: GraphqlWsHandlers,
    { maxBufferedBytes, keepAliveMs = 12_000, connectionInitWaitMs = 3_000, logger }: WsServerOptions,
  ) {
    this.maxBufferedBytes = maxBufferedBytes;
    this.logger = logger;
    this.connectionInitWaitMs = connectionInitWaitMs;
    wss.options.handleProtocols = (protocols: Set<string>) =>
      protocols.has(GRAPHQL_TRANSPORT_WS_PROTOCOL) ? GRAPHQL_TRANSPORT_WS_PROTOCOL : false;
    wss.on('connection', (socket: WebSocket, request: IncomingMessage) => this.opened(socket, request));
    // Every socket is checked once per keepAliveMs: one that has not answered the previous ping is dropped, the
    // others are pinged again. The sweep is spread over the interval in slices: a ping costs about what a delivery
    // does (a write to the socket), and pinging 10,000 sockets at once held the event loop for half a second.
    const sliceMs = Math.max(10, Math.min(250, keepAliveMs / 8));
    let sweep: Connection[] = [];
    let next = 0;
    let sweepStarted = 0;
    this.keepAlive = setInterval(() => {
      const now = Date.now();
      if (next >= sweep.length) {
        if (now - sweepStarted < keepAliveMs) return;
        sweep = [...this.connections];
        next = 0;
        sweepStarted = now;
      }
      // Where this sweep should be by now: the share of the interval elapsed (one slice ahead).
      const due = Math.ceil(sweep.length * Math.min(1, (now - sweepStarted + sliceMs) / keepAliveMs));
      for (; next < due; next++) {
        const connection = sweep[next];
        if (connection.ended) continue;
        if (!connection.alive) {
          connection.socket.terminate();
          connection.end();
          continue;
        }
        connection.alive = false;
        if (connection.socket.readyState === OPEN) connection.socket.ping();
      }
      if (next >= sweep.length) sweep = [];
    }, sliceMs);
    this.keepAlive.unref();
  }

  private opened(socket: WebSocket, request: IncomingMessage): void {
    const connection = new Connection(socket, headersOf(request.headers), this.handlers.addressOf(request), this);
    socket.once('close', () => connection.end());
    socket.once('error', (error) => {
      this.logger.warn({ err: error }, 'graphql-ws socket error');
      connection.close(CloseCode.InternalServerError, 'Internal server error');
    });
    if (socket.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL) {
      connection.close(CloseCode.SubprotocolNotAcceptable, 'Subprotocol not acceptable');
      return;
    }
    this.connections.add(connection);
    socket.on('pong', () => {
      connection.alive = true;
    });
    socket.on('message', (data: RawData) => {
      try {
        this.received(connection, data);
      } catch (error) {
        this.logger.error({ err: error }, 'graphql-ws message handling failed');
        connection.close(CloseCode.InternalServerError, 'Internal server error');
      }
    });
    connection.initTimer = setTimeout(() => {
      connection.initTimer = null;
      if (!connection.initialised) {
        connection.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
      }
    }, this.connectionInitWaitMs);
  }

  private received(connection: Connection, data: RawData): void {
    // A client already closed (for being slow) starts nothing new before its socket is gone.
    if (connection.ended) return;
    let message: ReturnType<typeof parseMessage>;
    try {
      message = parseMessage(String(data));
    } catch {
      connection.close(CloseCode.BadRequest, 'Invalid message received');
      return;
    }
    switch (message.type) {
      case MessageType.ConnectionInit:
        void this.initialise(connection, message.payload);
        return;
      case MessageType.Ping:
        connection.send(message.payload ? JSON.stringify({ type: MessageType.Pong, payload: message.payload }) : PONG);
        return;
      case MessageType.Pong:
        return;
      case MessageType.Subscribe:
        this.subscribe(connection, message.id, message.payload);
        return;
      case MessageType.Complete: {
        const subscription = connection.subscriptions?.get(message.id);
        if (!subscription) return;
        connection.subscriptions!.delete(message.id);
        subscription.ended = true;
        const stop = subscription.stop;
        subscription.stop = null;
        stop?.();
        return;
      }
      default:
        // Messages only a server sends (connection_ack, next, error).
        connection.close(CloseCode.BadRequest, 'Invalid message received');
    }
  }

  private async initialise(connection: Connection, params: Record<string, unknown> | null | undefined) {
    if (connection.initialised) {
      connection.close(CloseCode.TooManyInitialisationRequests, 'Too many initialisation requests');
      return;
    }
    connection.initialised = true;
    if (connection.initTimer) clearTimeout(connection.initTimer);
    connection.initTimer = null;
    const upgrade = connection.upgrade ?? headersOf({});
    // Each credential from the payload (whatever the case of its name) or, failing that, the upgrade's header.
    const given = (name: string) => {
      for (const [key, value] of Object.entries(params ?? {})) {
        if (key.toLowerCase() === name && typeof value === 'string') return value;
      }
      return upgrade.header(name);
    };
    const credentials: WsCredentials = {
      authorization: given('authorization'),
      apiKey: given('x-api-key'),
      address: connection.address,
    };
    connection.upgrade = undefined;
    let principal: Principal;
    try {
      principal = await this.handlers.authenticate(credentials, upgrade);
    } catch (error) {
      if (isAuthenticationUnavailable(error)) connection.close(TRY_AGAIN_LATER, 'Try again later');
      else connection.close(CloseCode.Forbidden, 'Forbidden');
      return;
    }
    if (connection.ended) return;
    connection.principal = principal;
    connection.send(ACK);
  }

  private subscribe(connection: Connection, id: string, payload: SubscribePayload): void {
    const principal = connection.principal;
    if (!principal) {
      connection.close(CloseCode.Unauthorized, 'Unauthorized');
      return;
    }
    connection.subscriptions ??= new Map();
    if (connection.subscriptions.has(id)) {
      connection.close(CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
      return;
    }
    const subscription = new Subscription(connection, id);
    connection.subscriptions.set(id, subscription);

    // The document first (by hash, or the caller's own text where it may send one: trusted-documents.ts), then the
    // checks every streaming transport makes.
    this.handlers.operations
      .resolve(principal, payload)
      .then((resolved) => {
        // The client completed it, or left, while its document was looked up.
        if (subscription.ended || connection.ended) return;
        if (isRefused(resolved)) subscription.error(resolved.errors);
        else return this.start(connection, subscription, principal, resolved);
      })
      .catch((error: unknown) => {
        // As for a message whose handling throws (received).
        this.logger.error({ err: error }, 'graphql-ws message handling failed');
        connection.close(CloseCode.InternalServerError, 'Internal server error');
      });
  }

  private start(
    connection: Connection,
    subscription: Subscription,
    principal: Principal,
    payload: OperationPayload,
  ): void | Promise<void> {
    const checking = this.handlers.operations.check(principal, payload);
    // With a shared rate limit store (Redis) the check answers later; the memory store's on this turn.
    if (!isPending(checking)) return this.started(subscription, checking);
    return checking.then((checked) => {
      // The client completed it, or left, while its limits were asked.
      if (!subscription.ended && !connection.ended) this.started(subscription, checked);
    });
  }

  private started(subscription: Subscription, checked: CheckedOperation | Refused): void {
    if (isRefused(checked)) {
      subscription.error(checked.errors);
      return;
    }
    const started = this.handlers.operations.run('graphql-ws', checked, subscription);
    if (isRefused(started)) {
      // Refused by the federated path once checked: a result with errors, then `complete`.
      subscription.next(JSON.stringify({ errors: started.errors }));
      subscription.complete();
      return;
    }
    // The stream may have ended it already (an error while starting), or the client may have left.
    if (subscription.ended) started.stop();
    else subscription.stop = started.stop;
  }

  async dispose(): Promise<void> {
    clearInterval(this.keepAlive);
    for (const client of this.wss.clients) client.close(1001, 'Going away');
    for (const connection of [...this.connections]) connection.end();
    this.wss.removeAllListeners();
    await new Promise<void>((resolve, reject) => this.wss.close((error) => (error ? reject(error) : resolve())));
  }
}

/** Serves graphql-transport-ws on `wss` (see {@link GraphqlWsServer}). */
export function useWsServer(
  wss: WebSocketServer,
  handlers: GraphqlWsHandlers,
  options: WsServerOptions,
): { dispose(): Promise<void> } {
  const server = new GraphqlWsServer(wss, handlers, options);
  return { dispose: () => server.dispose() };
}
