import { ErrorCode, type Logger } from '@pos/kit';
import type { ExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql';
import type { Client } from 'graphql-ws';
import type { ResumableUpstream } from '../resumable';
import { unavailable } from './errors';
import type { Joinable } from './stream-registry';

/** What a shared upstream fans its events out to: the shared streams resolving them. */
export interface UpstreamListener {
  next(event: ExecutionResult, cursor: string | null): void;
  fail(error: GraphQLError): void;
  complete(): void;
}

export interface UpstreamOptions {
  client: Client;
  operation: string;
  operationName?: string;
  variables: Record<string, unknown>;
  resumable: ResumableUpstream | null;
  /** Where the stream starts: a cursor, or null for "from now" (anchored at the newest event before it opens). */
  after: string | null;
  anchor: () => Promise<string>;
  retryMs: number;
  publicError: (error: GraphQLFormattedError | GraphQLError) => GraphQLError;
  logger: Logger;
  onStop: () => void;
}

/**
 * One upstream subscription fanned out to every shared stream that asked for the same thing, reopened after
 * its last cursor whenever its connection drops, for up to `retryMs` of consecutive failure.
 */
export class SharedUpstream implements Joinable {
  private readonly listeners = new Set<UpstreamListener>();
  readonly live: boolean;
  /** The cursor of the last event received, or where the stream starts; null until a live stream is anchored. */
  position: string | null;
  private unsubscribe: (() => void) | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failingSince: number | null = null;
  private attempts = 0;
  private started = false;
  private stopped = false;
  /** Bumped on every (re)open and on stop, so callbacks of a superseded upstream subscription are ignored. */
  private generation = 0;
  private readonly offConnected: () => void;

  constructor(private readonly options: UpstreamOptions) {
    this.live = options.after === null;
    this.position = options.after;
    // The subgraph answers again: the next failure starts a new retry window.
    this.offConnected = options.client.on('connected', () => this.recovered());
  }

  get joinable(): boolean {
    return !this.stopped;
  }

  attach(listener: UpstreamListener): void {
    this.listeners.add(listener);
    if (!this.started) {
      this.started = true;
      void this.open();
    }
  }

  detach(listener: UpstreamListener): void {
    this.listeners.delete(listener);
    if (!this.listeners.size) this.stop();
  }

  private recovered(): void {
    this.failingSince = null;
    this.attempts = 0;
  }

  private async open(): Promise<void> {
    const generation = ++this.generation;
    const { resumable, client, operation, operationName, variables } = this.options;
    if (resumable && this.position === null) {
      try {
        this.position = await this.options.anchor();
      } catch (error) {
        if (generation === this.generation) this.failed(error);
        return;
      }
      if (generation !== this.generation) return;
    }
    const position = () => this.position;
    // `variables` is read when the message is sent, so even a resend by the client library carries the current
    // resume position rather than the one the stream started from.
    const payload = {
      query: operation,
      operationName,
      get variables() {
        return resumable ? resumable.withAfter(variables, position()) : variables;
      },
    };
    this.unsubscribe = client.subscribe<Record<string, unknown>>(payload, {
      next: (event) => {
        if (generation !== this.generation) return;
        this.recovered();
        const cursor = resumable?.cursorOf(event.data) ?? null;
        if (cursor !== null) this.position = cursor;
        for (const listener of [...this.listeners]) listener.next(event as ExecutionResult, cursor);
      },
      error: (error) => {
        if (generation !== this.generation) return;
        this.unsubscribe = null;
        this.failed(error);
      },
      complete: () => {
        if (generation !== this.generation) return;
        this.unsubscribe = null;
        for (const listener of [...this.listeners]) listener.complete();
        this.stop();
      },
    });
  }

  /**
   * A dropped connection (or a subgraph's UNAVAILABLE, e.g. when it found us too slow) is retried after the last
   * cursor; any other error is the subgraph's answer to this subscription and ends it for every subscriber.
   */
  private failed(error: unknown): void {
    if (this.stopped) return;
    const { logger, resumable, retryMs } = this.options;
    const errors = Array.isArray(error) ? (error as GraphQLFormattedError[]) : null;
    const retryable = !errors || errors.some((e) => e?.extensions?.code === ErrorCode.UNAVAILABLE);
    if (!retryable) {
      this.end(this.options.publicError(errors[0]));
      return;
    }
    const now = Date.now();
    this.failingSince ??= now;
    if (!resumable || now - this.failingSince >= retryMs) {
      logger.warn({ err: errors ? undefined : error, failingMs: now - this.failingSince }, 'upstream stream given up');
      this.end(unavailable('upstream_unavailable'));
      return;
    }
    const delay = Math.min(250 * 2 ** this.attempts++, 5_000) * (0.5 + Math.random() / 2);
    logger.info({ after: this.position, retryInMs: Math.round(delay) }, 'upstream stream dropped; resuming');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.open();
    }, delay);
  }

  private end(failure: GraphQLError): void {
    for (const listener of [...this.listeners]) listener.fail(failure);
    this.stop();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.generation++;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.listeners.clear();
    this.offConnected();
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    unsubscribe?.();
    this.options.onStop();
  }
}
