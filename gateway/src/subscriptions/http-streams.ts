import type { Logger, Principal } from '@pos/kit';
import { principalScopeKey } from '@pos/kit';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { GraphQLError } from 'graphql';
import { TOKEN_HEADER_KEY, TOKEN_QUERY_KEY } from 'graphql-sse';
import { MULTIPART_TRANSPORT, SSE_TRANSPORT } from './http/framing';
import { type Reservation, OperationOnStream, Reservations } from './http/reservations';
import { answerErrors, refuse } from './http/refusals';
import {
  CSRF_MESSAGE,
  acceptsEventStream,
  acceptsMultipartSubscription,
  badRequest,
  payloadOf,
  preflighted,
} from './http/requests';
import {
  DistinctEventStream,
  type HttpStream,
  MultipartStream,
  ReservedEventStream,
  type StreamHost,
} from './http/streams';
import { isPending } from '../hardening/store';
import { type CheckedOperation, type Operations, type SubscriptionSink, isRefused } from './operations';

export { MULTIPART_TRANSPORT, SSE_TRANSPORT } from './http/framing';

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

/**
 * Subscriptions over HTTP on /graphql, beside graphql-ws, through the same {@link Operations} (checks, cost, the
 * shared federated path): Apollo's multipart HTTP protocol (`Accept: multipart/mixed;subscriptionSpec=1.0`) and
 * GraphQL over SSE (the graphql-sse protocol, distinct and single connection modes). Every request is
 * authenticated as /graphql over HTTP is and passes Apollo's CSRF rule; a single-connection reservation belongs
 * to the caller who made it, lives in this process (so that mode needs sticky routing across replicas), and is
 * dropped when no stream connects within `reservationTtlMs`.
 *
 * This class routes the requests and keeps the open streams; the wire format is http/framing.ts, the streams'
 * lifecycle http/streams.ts, and the single connection mode's reservations http/reservations.ts.
 */
export class HttpStreams implements StreamHost {
  readonly streams = new Set<HttpStream>();
  readonly maxBufferedBytes: number;
  readonly logger: Logger;
  private readonly reservations: Reservations;
  private readonly heartbeats: NodeJS.Timeout;
  private readonly multipartHeartbeatMs: number;
  private readonly sseKeepAliveMs: number;

  constructor(
    private readonly operations: Operations,
    private readonly options: HttpStreamsOptions,
  ) {
    this.maxBufferedBytes = options.maxBufferedBytes;
    this.logger = options.logger;
    this.multipartHeartbeatMs = options.multipartHeartbeatMs ?? 5_000;
    this.sseKeepAliveMs = options.sseKeepAliveMs ?? 12_000;
    this.reservations = new Reservations(
      {
        ttlMs: options.reservationTtlMs ?? 30_000,
        maxPerCaller: options.maxReservationsPerCaller ?? 20,
        max: options.maxReservations ?? 10_000,
        maxBufferedBytes: options.maxBufferedBytes,
      },
      options.logger,
    );
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
    const checking = this.operations.check(principal, payload, { rateLimit: false });
    // A subscription's cost is charged by its check: at once in memory, from Redis with a shared store.
    const checked = isPending(checking) ? await checking : checking;
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
    const reservation = this.reservations.reserve(principalScopeKey(principal));
    if (reservation instanceof GraphQLError) return refuse(req, res, [reservation]);
    res.status(201).setHeader('content-type', 'text/plain; charset=utf-8');
    res.end(reservation.token);
  }

  /** The caller's reservation, or undefined once refused: another caller's token is as unknown as a made-up one. */
  private async reservationOf(
    req: Request,
    res: Response,
    token: string,
  ): Promise<{ reservation: Reservation; principal: Principal } | undefined> {
    const principal = await this.caller(req, res);
    if (!principal) return undefined;
    const reservation = this.reservations.find(token, principalScopeKey(principal));
    if (!reservation) {
      answerErrors(res, 404, [{ message: 'Stream not found', extensions: { code: 'NOT_FOUND' } }]);
      return undefined;
    }
    return { reservation, principal };
  }

  private async connectReserved(req: Request, res: Response, token: string): Promise<void> {
    const { reservation } = (await this.reservationOf(req, res, token)) ?? {};
    if (!reservation || res.destroyed) return;
    if (reservation.stream) {
      answerErrors(res, 409, [{ message: 'Stream already open', extensions: { code: 'CONFLICT' } }]);
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
      answerErrors(res, 409, [{ message: 'Operation with ID already exists' }]);
      return;
    }
    const payload = payloadOf(req);
    if (payload instanceof GraphQLError) return refuse(req, res, [payload]);
    const checking = this.operations.check(principal, payload, { rateLimit: false });
    const checked = isPending(checking) ? await checking : checking;
    if (isRefused(checked)) return refuse(req, res, checked.errors);
    if (reservation.ended) {
      res.status(404).end();
      return;
    }
    // Another request may have started this id while a shared store was asked.
    if (reservation.operations.has(id)) {
      answerErrors(res, 409, [{ message: 'Operation with ID already exists' }]);
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
    this.reservations.close();
    for (const stream of [...this.streams]) {
      stream.end();
      stream.res.destroy();
    }
  }
}
