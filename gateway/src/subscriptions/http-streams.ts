import { randomUUID } from 'node:crypto';
import type { Logger, Principal } from '@pos/kit';
import { principalScopeKey } from '@pos/kit';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { TOKEN_HEADER_KEY, TOKEN_QUERY_KEY } from 'graphql-sse';
import {
  type CheckedOperation,
  type OperationPayload,
  type Operations,
  type SubscriptionSink,
  httpStatusOf,
  isRefused,
} from './operations';

/** The transports' names: in spans, log lines and the 400 of a subscription over plain JSON HTTP. */
export const MULTIPART_TRANSPORT = 'multipart-subscription';
export const SSE_TRANSPORT = 'graphql-sse';

const MULTIPART_CONTENT_TYPE = 'multipart/mixed; boundary="graphql"; subscriptionSpec="1.0"';
const BOUNDARY = '\r\n--graphql';
/** A part's head: every part is JSON. The boundary that ends a part is written with it, so a client reads it at once. */
const PART = '\r\ncontent-type: application/json; charset=utf-8\r\n\r\n';
const HEARTBEAT_PART = `${PART}{}${BOUNDARY}`;
const CLOSE_DELIMITER = '--\r\n';
const SSE_KEEP_ALIVE = ':\n\n';

/**
 * Apollo's CSRF rule, as Apollo Server applies it to /graphql: a request a browser could send cross-site without a
 * preflight (GET, or POST with no content type or a form/text one) must carry one of these headers. graphql-sse's
 * token header forces a preflight as well.
 */
const PREFLIGHT_HEADERS = ['x-apollo-operation-name', 'apollo-require-preflight', TOKEN_HEADER_KEY];
const SIMPLE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);
const CSRF_MESSAGE =
  'This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a ' +
  "'content-type' header (with a type that is not one of application/x-www-form-urlencoded, multipart/form-data, " +
  'text/plain) or provide a non-empty value for one of the following headers: x-apollo-operation-name, ' +
  `apollo-require-preflight, ${TOKEN_HEADER_KEY}`;

export interface HttpStreamsOptions {
  /**
   * The caller of a request, as /graphql over HTTP finds it (a bearer token or an API key); rejects with the
   * GraphQLError to answer (401, or 503 when the credential could not be checked).
   */
  authenticate(req: Request): Promise<Principal>;
  /**
   * Bytes a response may hold unsent (Node's writableLength) before the gateway drops the client: the same limit,
   * and the same reason, as graphql-ws's WS_MAX_BUFFERED_BYTES.
   */
  maxBufferedBytes: number;
  logger: Logger;
  /** How long a multipart response may go without a part before a heartbeat `{}` (Apollo Router's 5 s). */
  multipartHeartbeatMs?: number;
  /** How long an event stream may go without a message before a comment line (graphql-sse's 12 s). */
  sseKeepAliveMs?: number;
  /** How long a single-connection reservation waits for its stream (GET) before it is dropped. */
  reservationTtlMs?: number;
  /** Reservations (single-connection streams) one caller may hold at once, and this gateway in all. */
  maxReservationsPerCaller?: number;
  maxReservations?: number;
}

/** The operation a request carries: its JSON body, or for GET its query string (`variables` as JSON text). */
function payloadOf(req: Request): OperationPayload | GraphQLError {
  if (req.method === 'GET') {
    const { query, operationName, variables } = req.query as Record<string, unknown>;
    let parsed: unknown = undefined;
    if (typeof variables === 'string' && variables !== '') {
      try {
        parsed = JSON.parse(variables);
      } catch {
        return new GraphQLError('variables is not valid JSON', { extensions: { code: 'BAD_REQUEST' } });
      }
    }
    return { query, operationName, variables: parsed };
  }
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return new GraphQLError('The body must be a JSON object with a query', { extensions: { code: 'BAD_REQUEST' } });
  }
  return body as OperationPayload;
}

/** Media ranges of an Accept header: type/subtype (lower case) and their parameters. */
function mediaRanges(accept: string | undefined): Array<{ type: string; params: Map<string, string> }> {
  if (!accept) return [];
  return accept.split(',').map((range) => {
    const [type, ...params] = range.split(';');
    return {
      type: type.trim().toLowerCase(),
      params: new Map(
        params.map((param) => {
          const at = param.indexOf('=');
          const name = (at < 0 ? param : param.slice(0, at)).trim().toLowerCase();
          const value =
            at < 0
              ? ''
              : param
                  .slice(at + 1)
                  .trim()
                  .replace(/^"(.*)"$/, '$1');
          return [name, value] as const;
        }),
      ),
    };
  });
}

const acceptsMultipartSubscription = (accept: string | undefined) =>
  mediaRanges(accept).some(
    ({ type, params }) => type === 'multipart/mixed' && params.get('subscriptionspec') === '1.0',
  );
const acceptsEventStream = (accept: string | undefined) =>
  mediaRanges(accept).some(({ type }) => type === 'text/event-stream');

function preflighted(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'HEAD') return true;
  const contentType = req.headers['content-type'];
  if (contentType && !SIMPLE_CONTENT_TYPES.has(contentType.split(';')[0].trim().toLowerCase())) return true;
  return PREFLIGHT_HEADERS.some((name) => !!req.headers[name]);
}

/** A GraphQLError as a client receives it: never `extensions.http` (what the status and headers already say). */
function formatted(error: GraphQLError | GraphQLFormattedError): GraphQLFormattedError {
  const json = error instanceof GraphQLError ? error.toJSON() : error;
  if (!json.extensions || !('http' in json.extensions)) return json;
  const { http: _http, ...extensions } = json.extensions;
  return { ...json, extensions };
}

/**
 * Answers a request refused before any stream started, with a GraphQL response body: 400 for a bad document, 401
 * for a bad credential, 429 (and Retry-After) over a rate limit or budget, 503 when the credential could not be
 * checked. `application/graphql-response+json` when the client accepts it (Apollo Client then reads the errors as
 * GraphQL errors), else `application/json`.
 */
function refuse(req: Request, res: Response, errors: ReadonlyArray<GraphQLError>): void {
  const explicit = errors.find((error) => typeof (error.extensions.http as { status?: unknown })?.status === 'number');
  const { status, retryAfterSeconds } = httpStatusOf(errors);
  res.status(explicit ? (explicit.extensions.http as { status: number }).status : status);
  if (retryAfterSeconds !== undefined) res.setHeader('retry-after', String(retryAfterSeconds));
  const graphqlResponse = mediaRanges(req.headers.accept).some(
    ({ type }) => type === 'application/graphql-response+json',
  );
  res.setHeader(
    'content-type',
    `${graphqlResponse ? 'application/graphql-response+json' : 'application/json'}; charset=utf-8`,
  );
  res.end(JSON.stringify({ errors: errors.map(formatted) }));
}

const badRequest = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } });

/**
 * One streaming HTTP response. Writes never wait: what a client has not read stays in the response's buffer, and
 * when that passes `maxBufferedBytes` the connection is cut (there is no way to tell an HTTP client that does not
 * read anything) and everything it carried ends at once. Ends, too, when the client goes away.
 */
abstract class HttpStream {
  ended = false;
  /** When something was last written: a heartbeat is due after a quiet interval. */
  lastWrite = Date.now();
  private readonly onEnd: Array<() => void> = [];

  constructor(
    readonly res: Response,
    protected readonly server: HttpStreams,
    readonly transport: string,
  ) {
    server.streams.add(this);
    res.once('close', () => this.end());
  }

  abstract heartbeat(): void;

  /** Runs `stop` when the stream ends (the client left or was dropped), unless it ended already. */
  whenEnded(stop: () => void): void {
    if (this.ended) stop();
    else this.onEnd.push(stop);
  }

  write(chunk: string): void {
    const { res } = this;
    if (this.ended || res.destroyed) return;
    res.write(chunk);
    this.lastWrite = Date.now();
    if (res.writableLength > this.server.maxBufferedBytes) {
      this.server.logger.warn(
        { bufferedBytes: res.writableLength, transport: this.transport },
        'closing an HTTP subscription client that does not read',
      );
      this.end();
      res.destroy();
    }
  }

  /** Ends the response normally, after `last`. */
  finish(last: string): void {
    if (this.ended) return;
    this.write(last);
    if (this.ended) return;
    this.res.end();
    this.end();
  }

  /** Idempotent: the stream ended (finished, dropped, or the client left); what it carried stops. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.server.streams.delete(this);
    const stops = this.onEnd.splice(0);
    for (const stop of stops) stop();
  }
}

/** Apollo's multipart subscription response: one part per result, `{}` heartbeats, errors in the final part. */
class MultipartStream extends HttpStream implements SubscriptionSink {
  constructor(res: Response, server: HttpStreams) {
    super(res, server, MULTIPART_TRANSPORT);
    res.writeHead(200, {
      'content-type': MULTIPART_CONTENT_TYPE,
      'cache-control': 'no-cache',
      // Proxies that buffer responses (nginx) would hold every event back.
      'x-accel-buffering': 'no',
    });
    this.write(BOUNDARY);
  }

  next(resultJson: string): void {
    this.write(`${PART}{"payload":${resultJson}}${BOUNDARY}`);
  }

  error(errors: ReadonlyArray<GraphQLError | GraphQLFormattedError>): void {
    // A transport-level error: no payload, the errors beside it, and the stream ends.
    this.write(`${PART}${JSON.stringify({ payload: null, errors: errors.map(formatted) })}${BOUNDARY}`);
    this.finish(CLOSE_DELIMITER);
  }

  complete(): void {
    this.finish(CLOSE_DELIMITER);
  }

  heartbeat(): void {
    this.write(HEARTBEAT_PART);
  }
}

function startEventStream(res: Response): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
}

/** graphql-sse's distinct connections mode: one operation's results on its own event stream. */
class DistinctEventStream extends HttpStream implements SubscriptionSink {
  constructor(res: Response, server: HttpStreams) {
    super(res, server, SSE_TRANSPORT);
    startEventStream(res);
  }

  next(resultJson: string): void {
    this.write(`event: next\ndata: ${resultJson}\n\n`);
  }

  error(errors: ReadonlyArray<GraphQLError | GraphQLFormattedError>): void {
    // graphql-sse has no error event: a result with the errors, then complete.
    this.next(JSON.stringify({ errors: errors.map(formatted) }));
    this.complete();
  }

  complete(): void {
    this.finish('event: complete\ndata:\n\n');
  }

  heartbeat(): void {
    this.write(SSE_KEEP_ALIVE);
  }
}

/**
 * graphql-sse's single connection mode: a reservation (PUT) its owner connects one event stream to (GET) and
 * starts operations on (POST, `x-graphql-event-stream-token`), each message carrying its operation id.
 */
class Reservation {
  stream: ReservedEventStream | null = null;
  /** What operations sent before the stream connected, flushed when it does. */
  pending: string[] = [];
  pendingBytes = 0;
  readonly operations = new Map<string, OperationOnStream>();
  ended = false;
  expiry: NodeJS.Timeout | null;

  constructor(
    readonly token: string,
    readonly owner: string,
    private readonly server: HttpStreams,
    ttlMs: number,
  ) {
    this.expiry = setTimeout(() => {
      this.expiry = null;
      if (!this.stream) this.end();
    }, ttlMs);
    this.expiry.unref();
  }

  send(message: string): void {
    if (this.ended) return;
    if (this.stream) {
      this.stream.write(message);
      return;
    }
    this.pending.push(message);
    this.pendingBytes += Buffer.byteLength(message);
    if (this.pendingBytes > this.server.maxBufferedBytes) {
      this.server.logger.warn(
        { bufferedBytes: this.pendingBytes, transport: SSE_TRANSPORT },
        'dropping a graphql-sse reservation whose stream does not connect',
      );
      this.end();
    }
  }

  connect(stream: ReservedEventStream): void {
    this.stream = stream;
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = null;
    const pending = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const message of pending) stream.write(message);
    stream.whenEnded(() => this.end());
  }

  /** Idempotent: the stream went away, or never came. Its operations stop and its token is no longer valid. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = null;
    this.server.forget(this);
    this.pending = [];
    const operations = [...this.operations.values()];
    this.operations.clear();
    for (const operation of operations) operation.stop();
    const stream = this.stream;
    this.stream = null;
    if (stream && !stream.ended) stream.finish('');
  }
}

/** One operation of a reservation: its messages carry its id. */
class OperationOnStream implements SubscriptionSink {
  ended = false;
  private stopUpstream: (() => void) | null = null;

  constructor(
    private readonly reservation: Reservation,
    readonly id: string,
  ) {}

  started(stop: () => void): void {
    if (this.ended) stop();
    else this.stopUpstream = stop;
  }

  next(resultJson: string): void {
    if (this.ended) return;
    this.reservation.send(`event: next\ndata: {"id":${JSON.stringify(this.id)},"payload":${resultJson}}\n\n`);
  }

  error(errors: ReadonlyArray<GraphQLError | GraphQLFormattedError>): void {
    this.next(JSON.stringify({ errors: errors.map(formatted) }));
    this.complete();
  }

  complete(): void {
    if (this.ended) return;
    this.reservation.send(`event: complete\ndata: {"id":${JSON.stringify(this.id)}}\n\n`);
    this.stop();
  }

  /** Idempotent: the client completed it, the reservation ended, or it completed. */
  stop(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.reservation.operations.get(this.id) === this) this.reservation.operations.delete(this.id);
    const stop = this.stopUpstream;
    this.stopUpstream = null;
    stop?.();
  }
}

class ReservedEventStream extends HttpStream {
  constructor(res: Response, server: HttpStreams) {
    super(res, server, SSE_TRANSPORT);
    startEventStream(res);
  }

  heartbeat(): void {
    this.write(SSE_KEEP_ALIVE);
  }
}

/**
 * Subscriptions over HTTP on /graphql, beside graphql-ws, through the same {@link Operations} (checks, cost, the
 * shared federated path): Apollo's multipart HTTP protocol (`Accept: multipart/mixed;subscriptionSpec=1.0`) and
 * GraphQL over SSE (the graphql-sse protocol, distinct and single connection modes). Every request is
 * authenticated as /graphql over HTTP is and passes Apollo's CSRF rule; a single-connection reservation belongs
 * to the caller who made it, lives in this process (so that mode needs sticky routing across replicas), and is
 * dropped when no stream connects within `reservationTtlMs`.
 */
export class HttpStreams {
  readonly streams = new Set<HttpStream>();
  readonly maxBufferedBytes: number;
  readonly logger: Logger;
  private readonly reservations = new Map<string, Reservation>();
  private readonly reservationsByOwner = new Map<string, number>();
  private readonly heartbeats: NodeJS.Timeout;
  private readonly multipartHeartbeatMs: number;
  private readonly sseKeepAliveMs: number;
  private readonly reservationTtlMs: number;
  private readonly maxReservationsPerCaller: number;
  private readonly maxReservations: number;

  constructor(
    private readonly operations: Operations,
    private readonly options: HttpStreamsOptions,
  ) {
    this.maxBufferedBytes = options.maxBufferedBytes;
    this.logger = options.logger;
    this.multipartHeartbeatMs = options.multipartHeartbeatMs ?? 5_000;
    this.sseKeepAliveMs = options.sseKeepAliveMs ?? 12_000;
    this.reservationTtlMs = options.reservationTtlMs ?? 30_000;
    this.maxReservationsPerCaller = options.maxReservationsPerCaller ?? 20;
    this.maxReservations = options.maxReservations ?? 10_000;
    // One timer for every stream: each gets a heartbeat once it has been quiet for its interval.
    const tick = Math.max(10, Math.min(1_000, this.multipartHeartbeatMs / 2, this.sseKeepAliveMs / 2));
    this.heartbeats = setInterval(() => this.beat(), tick);
    this.heartbeats.unref();
  }

  get reservationCount(): number {
    return this.reservations.size;
  }

  /** Express middleware for /graphql, after the JSON body parser: what is not a streaming request goes on. */
  readonly handler: RequestHandler = (req, res, next) => {
    this.route(req, res, next).catch(next);
  };

  private beat(): void {
    const now = Date.now();
    for (const stream of [...this.streams]) {
      const every = stream instanceof MultipartStream ? this.multipartHeartbeatMs : this.sseKeepAliveMs;
      if (now - stream.lastWrite >= every) stream.heartbeat();
    }
  }

  private async route(req: Request, res: Response, next: NextFunction): Promise<void> {
    const accept = req.headers.accept;
    const tokenHeader = req.headers[TOKEN_HEADER_KEY];
    const tokenQuery = req.query[TOKEN_QUERY_KEY];
    const token = typeof tokenHeader === 'string' ? tokenHeader : typeof tokenQuery === 'string' ? tokenQuery : null;
    if (req.method === 'PUT') return this.reserve(req, res);
    if (req.method === 'DELETE' && token !== null) return this.stopOperation(req, res, token);
    if (acceptsEventStream(accept)) {
      if (!preflighted(req)) return refuse(req, res, [badRequest(CSRF_MESSAGE)]);
      if (token !== null) return this.connectReserved(req, res, token);
      return this.distinct(req, res);
    }
    if (token !== null && req.method === 'POST') {
      if (!preflighted(req)) return refuse(req, res, [badRequest(CSRF_MESSAGE)]);
      return this.startReserved(req, res, token);
    }
    if (acceptsMultipartSubscription(accept) && this.isSubscription(req)) {
      if (!preflighted(req)) return refuse(req, res, [badRequest(CSRF_MESSAGE)]);
      return this.multipart(req, res);
    }
    next();
  }

  /** Whether the request's operation is a subscription (anything else, and any broken document, is Apollo's). */
  private isSubscription(req: Request): boolean {
    const payload = payloadOf(req);
    return !(payload instanceof GraphQLError) && this.operations.operationTypeOf(payload) === 'subscription';
  }

  /** The caller, or undefined once refused. */
  private async caller(req: Request, res: Response): Promise<Principal | undefined> {
    try {
      return await this.options.authenticate(req);
    } catch (error) {
      refuse(req, res, [error instanceof GraphQLError ? error : badRequest('Unauthorized')]);
      return undefined;
    }
  }

  /** Authenticates and checks the request's operation: what may run, or undefined once refused. */
  private async checked(req: Request, res: Response): Promise<CheckedOperation | undefined> {
    const principal = await this.caller(req, res);
    if (!principal) return undefined;
    const payload = payloadOf(req);
    if (payload instanceof GraphQLError) {
      refuse(req, res, [payload]);
      return undefined;
    }
    // The request passed the HTTP rate limit already (rateLimitMiddleware), as every /graphql request does.
    const checked = this.operations.check(principal, payload, { rateLimit: false });
    if (isRefused(checked)) {
      refuse(req, res, checked.errors);
      return undefined;
    }
    return checked;
  }

  private async multipart(req: Request, res: Response): Promise<void> {
    const checked = await this.checked(req, res);
    if (!checked || res.destroyed) return;
    this.open(req, res, MULTIPART_TRANSPORT, checked, () => new MultipartStream(res, this));
  }

  private async distinct(req: Request, res: Response): Promise<void> {
    const checked = await this.checked(req, res);
    if (!checked || res.destroyed) return;
    this.open(req, res, SSE_TRANSPORT, checked, () => new DistinctEventStream(res, this));
  }

  /**
   * Runs a checked operation onto a response of its own. The response starts only once the operation has: a
   * subscription the federated path refuses is still an HTTP error, not a stream that ends at once.
   */
  private open(
    req: Request,
    res: Response,
    transport: string,
    checked: CheckedOperation,
    stream: () => HttpStream & SubscriptionSink,
  ): void {
    let opened: (HttpStream & SubscriptionSink) | null = null;
    const early: Array<(sink: SubscriptionSink) => void> = [];
    // Results the operation delivers while it starts (none, unless it fails at once) wait for the response.
    const sink: SubscriptionSink = {
      next: (json) => (opened ? opened.next(json) : early.push((s) => s.next(json))),
      error: (errors) => (opened ? opened.error(errors) : early.push((s) => s.error(errors))),
      complete: () => (opened ? opened.complete() : early.push((s) => s.complete())),
    };
    const started = this.operations.run(transport, checked, sink);
    if (isRefused(started)) return refuse(req, res, started.errors);
    if (res.destroyed) {
      started.stop();
      return;
    }
    opened = stream();
    opened.whenEnded(started.stop);
    for (const deliver of early) deliver(opened);
  }

  private async reserve(req: Request, res: Response): Promise<void> {
    const principal = await this.caller(req, res);
    if (!principal) return;
    const owner = principalScopeKey(principal);
    const held = this.reservationsByOwner.get(owner) ?? 0;
    if (held >= this.maxReservationsPerCaller || this.reservations.size >= this.maxReservations) {
      return refuse(req, res, [
        new GraphQLError(
          held >= this.maxReservationsPerCaller
            ? `Too many event stream reservations: at most ${this.maxReservationsPerCaller} per caller`
            : 'Too many event stream reservations on this gateway: retry later',
          { extensions: { code: 'RATE_LIMITED', reason: 'event_stream_reservations', retryAfterSeconds: 1 } },
        ),
      ]);
    }
    const token = randomUUID();
    this.reservations.set(token, new Reservation(token, owner, this, this.reservationTtlMs));
    this.reservationsByOwner.set(owner, held + 1);
    res.status(201).setHeader('content-type', 'text/plain; charset=utf-8');
    res.end(token);
  }

  forget(reservation: Reservation): void {
    if (this.reservations.get(reservation.token) !== reservation) return;
    this.reservations.delete(reservation.token);
    const held = (this.reservationsByOwner.get(reservation.owner) ?? 1) - 1;
    if (held > 0) this.reservationsByOwner.set(reservation.owner, held);
    else this.reservationsByOwner.delete(reservation.owner);
  }

  /** The caller's reservation, or undefined once refused: another caller's token is as unknown as a made-up one. */
  private async reservationOf(
    req: Request,
    res: Response,
    token: string,
  ): Promise<{ reservation: Reservation; principal: Principal } | undefined> {
    const principal = await this.caller(req, res);
    if (!principal) return undefined;
    const reservation = this.reservations.get(token);
    if (!reservation || reservation.owner !== principalScopeKey(principal)) {
      res.status(404).setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify({ errors: [{ message: 'Stream not found', extensions: { code: 'NOT_FOUND' } }] }));
      return undefined;
    }
    return { reservation, principal };
  }

  private async connectReserved(req: Request, res: Response, token: string): Promise<void> {
    const { reservation } = (await this.reservationOf(req, res, token)) ?? {};
    if (!reservation || res.destroyed) return;
    if (reservation.stream) {
      res.status(409).setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify({ errors: [{ message: 'Stream already open', extensions: { code: 'CONFLICT' } }] }));
      return;
    }
    reservation.connect(new ReservedEventStream(res, this));
  }

  private async startReserved(req: Request, res: Response, token: string): Promise<void> {
    const owned = await this.reservationOf(req, res, token);
    if (!owned) return;
    const { reservation, principal } = owned;
    const extensions = (req.body as { extensions?: { operationId?: unknown } } | undefined)?.extensions;
    const id = extensions?.operationId;
    if (typeof id !== 'string' || id === '') return refuse(req, res, [badRequest('Operation ID is missing')]);
    if (reservation.operations.has(id)) {
      res.status(409).setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify({ errors: [{ message: 'Operation with ID already exists' }] }));
      return;
    }
    const payload = payloadOf(req);
    if (payload instanceof GraphQLError) return refuse(req, res, [payload]);
    const checked = this.operations.check(principal, payload, { rateLimit: false });
    if (isRefused(checked)) return refuse(req, res, checked.errors);
    if (reservation.ended) {
      res.status(404).end();
      return;
    }
    const operation = new OperationOnStream(reservation, id);
    reservation.operations.set(id, operation);
    const started = this.operations.run(SSE_TRANSPORT, checked, operation);
    if (isRefused(started)) {
      operation.stop();
      return refuse(req, res, started.errors);
    }
    operation.started(started.stop);
    res.status(202).end();
  }

  private async stopOperation(req: Request, res: Response, token: string): Promise<void> {
    const { reservation } = (await this.reservationOf(req, res, token)) ?? {};
    if (!reservation) return;
    const id = req.query.operationId;
    if (typeof id !== 'string' || id === '') return refuse(req, res, [badRequest('Operation ID is missing')]);
    reservation.operations.get(id)?.stop();
    res.status(200).end();
  }

  /** Ends every stream and reservation (the gateway is stopping). */
  close(): void {
    clearInterval(this.heartbeats);
    for (const reservation of [...this.reservations.values()]) reservation.end();
    for (const stream of [...this.streams]) {
      stream.end();
      stream.res.destroy();
    }
  }
}
