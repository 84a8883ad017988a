import type { Logger } from '@pos/kit';
import type { Response } from 'express';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { SubscriptionSink } from '../operations';
import {
  EVENT_STREAM_HEADERS,
  MULTIPART_BOUNDARY,
  MULTIPART_CLOSE_DELIMITER,
  MULTIPART_HEADERS,
  MULTIPART_HEARTBEAT,
  MULTIPART_TRANSPORT,
  SSE_KEEP_ALIVE,
  SSE_TRANSPORT,
  formatted,
  multipartPart,
  sseComplete,
  sseNext,
} from './framing';

/** Where streams are kept while they are open (HttpStreams), and the limit they write within. */
export interface StreamHost {
  readonly streams: Set<HttpStream>;
  readonly maxBufferedBytes: number;
  readonly logger: Logger;
}

/**
 * One streaming HTTP response. Writes never wait: what a client has not read stays in the response's buffer, and
 * when that passes `maxBufferedBytes` the connection is cut (there is no way to tell an HTTP client that does not
 * read anything) and everything it carried ends at once. Ends, too, when the client goes away.
 */
export abstract class HttpStream {
  ended = false;
  /** When something was last written: a heartbeat is due after a quiet interval. */
  lastWrite = Date.now();
  private readonly onEnd: Array<() => void> = [];

  constructor(
    readonly res: Response,
    protected readonly server: StreamHost,
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
export class MultipartStream extends HttpStream implements SubscriptionSink {
  constructor(res: Response, server: StreamHost) {
    super(res, server, MULTIPART_TRANSPORT);
    res.writeHead(200, MULTIPART_HEADERS);
    this.write(MULTIPART_BOUNDARY);
  }

  next(resultJson: string): void {
    this.write(multipartPart(`{"payload":${resultJson}}`));
  }

  error(errors: ReadonlyArray<GraphQLError | GraphQLFormattedError>): void {
    // A transport-level error: no payload, the errors beside it, and the stream ends.
    this.write(multipartPart(JSON.stringify({ payload: null, errors: errors.map(formatted) })));
    this.finish(MULTIPART_CLOSE_DELIMITER);
  }

  complete(): void {
    this.finish(MULTIPART_CLOSE_DELIMITER);
  }

  heartbeat(): void {
    this.write(MULTIPART_HEARTBEAT);
  }
}

/** An event stream's response: its head is sent at once, before any event. */
abstract class EventStream extends HttpStream {
  constructor(res: Response, server: StreamHost) {
    super(res, server, SSE_TRANSPORT);
    res.writeHead(200, EVENT_STREAM_HEADERS);
    res.flushHeaders();
  }

  heartbeat(): void {
    this.write(SSE_KEEP_ALIVE);
  }
}

/** graphql-sse's distinct connections mode: one operation's results on its own event stream. */
export class DistinctEventStream extends EventStream implements SubscriptionSink {
  next(resultJson: string): void {
    this.write(sseNext(resultJson));
  }

  error(errors: ReadonlyArray<GraphQLError | GraphQLFormattedError>): void {
    // graphql-sse has no error event: a result with the errors, then complete.
    this.next(JSON.stringify({ errors: errors.map(formatted) }));
    this.complete();
  }

  complete(): void {
    this.finish(sseComplete());
  }
}

/** graphql-sse's single connection mode: the one event stream of a reservation, carrying all its operations. */
export class ReservedEventStream extends EventStream {}
