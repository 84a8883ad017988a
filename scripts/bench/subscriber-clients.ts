/**
 * The subscriber clients, all in the bench process: graphql-transport-ws over one WebSocket each, and one HTTP
 * connection each for Apollo's multipart protocol and GraphQL over SSE. Each checks and records every result it
 * receives.
 */
import http from 'node:http';
import WebSocket from 'ws';
import { SUB_OPERATION, type Selection } from './subscriber-selections';

interface EventMessage {
  id?: string;
  occurredAt?: string;
  payload?: { paymentId?: string };
  payment?: { order?: { number?: string | null; location?: { name?: string } | null } | null };
}

type EventResult = { data?: { paymentEvents?: EventMessage } | null; errors?: unknown[] };

/**
 * One subscriber: a WebSocket speaking graphql-transport-ws (connection_init, connection_ack, subscribe, then
 * next/error/complete), or an HTTP request speaking multipart or SSE, with its one subscription, and what it
 * received.
 */
export interface Subscriber {
  selection: Selection;
  eventIds: string[];
  paymentIds: string[];
  /** Receipt (Date.now()) minus the event's occurredAt, ms, per delivery. */
  latencies: number[];
  /** Messages with errors, without the event, or (cross-subgraph selections) without the order. */
  errors: number;
  firstError: string | null;
  /** The subscription ended (complete, error or the socket closed) before the bench closed it. */
  ended: boolean;
  /** Set when the bench closes it: an end after that is expected. */
  closing: boolean;
  /** Closes the socket (normal closure) and resolves once it is closed. */
  close(): Promise<void>;
}

/** Counts every delivery of every subscriber, so a drain can wait for a total without scanning them all. */
export const deliveries = { total: 0 };

interface ServerMessage {
  type: string;
  id?: string;
  payload?: { data?: { paymentEvents?: EventMessage } | null; errors?: unknown[] } | unknown[];
}

/** A subscriber that has received nothing yet; `close` closes its connection. */
function newSubscriber(selection: Selection, close: () => Promise<void>): Subscriber {
  return {
    selection,
    eventIds: [],
    paymentIds: [],
    latencies: [],
    errors: 0,
    firstError: null,
    ended: false,
    closing: false,
    close,
  };
}

/**
 * Ends the subscriber's subscription, once and unless the bench is closing it (`what`: why, an error; null: the
 * server completed it); before `connected()`, it could not connect, which rejects the opening.
 */
function ender(subscriber: Subscriber, connected: () => boolean, reject: (error: Error) => void) {
  return (what: string | null) => {
    if (subscriber.closing || subscriber.ended) return;
    subscriber.ended = true;
    if (what) noteSubscriberError(subscriber, what);
    if (!connected()) reject(new Error(`a subscriber could not connect: ${what ?? 'ended'}`));
  };
}

function noteSubscriberError(subscriber: Subscriber, what: string): void {
  subscriber.errors++;
  subscriber.firstError ??= what;
}

/** One result a subscriber received (`text`: the message it came in, for errors), checked and recorded. */
function received(subscriber: Subscriber, result: EventResult | undefined, text: string, receivedAt: number): void {
  deliveries.total++;
  const event = result?.data?.paymentEvents;
  if (result?.errors?.length || !event?.id || !event.occurredAt || !event.payload?.paymentId) {
    noteSubscriberError(subscriber, text.slice(0, 300));
    return;
  }
  if (subscriber.selection.crossSubgraph && !event.payment?.order?.number) {
    noteSubscriberError(subscriber, `no order in ${text.slice(0, 300)}`);
  }
  subscriber.eventIds.push(event.id);
  subscriber.paymentIds.push(event.payload.paymentId);
  subscriber.latencies.push(receivedAt - Date.parse(event.occurredAt));
}

/**
 * A subscriber written directly on `ws`, speaking the graphql-transport-ws protocol as graphql-ws's client does:
 * connection_init with the token, connection_ack, one subscribe (id "1"), then every `next` parsed (JSON.parse of
 * the whole message) and checked. The subscribers are the load generator, in this process on the same two cores as
 * the gateway: graphql-ws's client (message validation, a sink chain, an id generator per subscribe, its own
 * keep-alive and retry machinery) cost about 22 us of CPU per delivery, about as much as the gateway itself;
 * without it the checks per delivery are the same.
 */
export function openSubscriber(url: string, token: string, selection: Selection): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    let connected = false;
    const socket = new WebSocket(url, 'graphql-transport-ws');
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    const subscriber = newSubscriber(selection, () => {
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
        socket.close(1000, 'Normal Closure');
      }
      return closed;
    });
    const noteError = (what: string) => noteSubscriberError(subscriber, what);
    const end = ender(subscriber, () => connected, reject);
    socket.once('open', () => {
      socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } }));
    });
    socket.on('message', (data: Buffer) => {
      const receivedAt = Date.now();
      const text = data.toString();
      let message: ServerMessage;
      try {
        message = JSON.parse(text) as ServerMessage;
      } catch {
        noteError(`not JSON: ${text.slice(0, 300)}`);
        return;
      }
      switch (message.type) {
        case 'next': {
          if (message.id !== '1') {
            deliveries.total++;
            noteError(text.slice(0, 300));
            return;
          }
          received(subscriber, message.payload as EventResult | undefined, text, receivedAt);
          return;
        }
        case 'connection_ack':
          socket.send(
            JSON.stringify({
              id: '1',
              type: 'subscribe',
              payload: { query: selection.document, variables: selection.variables, operationName: SUB_OPERATION },
            }),
          );
          connected = true;
          resolve(subscriber);
          return;
        case 'ping':
          socket.send(JSON.stringify({ type: 'pong' }));
          return;
        case 'error':
          end(`subscription error: ${text.slice(0, 300)}`);
          return;
        case 'complete':
          end(null);
          return;
        default:
          noteError(`unexpected message: ${text.slice(0, 300)}`);
      }
    });
    socket.once('close', (code, reason) => end(`closed (${code} ${String(reason)})`));
    socket.once('error', (error) => end(String(error)));
  });
}

/**
 * A subscriber over HTTP, one connection each (no agent pooling): Apollo's multipart protocol (a part per result,
 * `{}` heartbeats, a final part with errors and the close delimiter) or GraphQL over SSE's distinct connections mode
 * (`event: next` / `event: complete`, comment keep-alives), both parsed by hand for the reason openSubscriber gives.
 */
export function openHttpSubscriber(
  url: string,
  token: string,
  selection: Selection,
  transport: 'multipart' | 'sse',
): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    let connected = false;
    let closed: Promise<void> = Promise.resolve();
    let request: http.ClientRequest | null = null;
    const subscriber = newSubscriber(selection, () => {
      request?.destroy();
      return closed;
    });
    const end = ender(subscriber, () => connected, reject);
    const body = JSON.stringify({
      query: selection.document,
      variables: selection.variables,
      operationName: SUB_OPERATION,
    });
    request = http.request(url, {
      method: 'POST',
      agent: false,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept:
          transport === 'multipart' ? 'multipart/mixed;subscriptionSpec=1.0,application/json' : 'text/event-stream',
      },
    });
    closed = new Promise<void>((done) => request.once('close', () => done()));
    request.once('error', (error) => end(String(error)));
    request.once('response', (res) => {
      res.setEncoding('utf8');
      if (res.statusCode !== 200) {
        let text = '';
        res.on('data', (chunk: string) => (text += chunk));
        res.once('end', () => end(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
        return;
      }
      connected = true;
      resolve(subscriber);
      let buffer = '';
      const separator = transport === 'multipart' ? '\r\n--graphql' : '\n\n';
      res.on('data', (chunk: string) => {
        const receivedAt = Date.now();
        buffer += chunk;
        for (let at = buffer.indexOf(separator); at >= 0; at = buffer.indexOf(separator)) {
          const message = buffer.slice(0, at);
          buffer = buffer.slice(at + separator.length);
          if (transport === 'multipart') {
            const bodyAt = message.indexOf('\r\n\r\n');
            if (bodyAt < 0) continue;
            const part = message.slice(bodyAt + 4);
            if (part === '{}') continue;
            let parsed: { payload?: EventResult | null; errors?: unknown[] };
            try {
              parsed = JSON.parse(part) as typeof parsed;
            } catch {
              noteSubscriberError(subscriber, `not JSON: ${part.slice(0, 300)}`);
              continue;
            }
            if (parsed.payload) received(subscriber, parsed.payload, part, receivedAt);
            else end(`transport error: ${part.slice(0, 300)}`);
            continue;
          }
          const lines = message.split('\n');
          const event = lines
            .find((line) => line.startsWith('event:'))
            ?.slice(6)
            .trim();
          const data = lines
            .find((line) => line.startsWith('data:'))
            ?.slice(5)
            .trim();
          if (event === 'complete') end(null);
          else if (event === 'next' && data) {
            try {
              received(subscriber, JSON.parse(data) as EventResult, data, receivedAt);
            } catch {
              noteSubscriberError(subscriber, `not JSON: ${data.slice(0, 300)}`);
            }
          }
        }
      });
      res.once('end', () => end('the response ended'));
    });
    request.end(body);
  });
}
