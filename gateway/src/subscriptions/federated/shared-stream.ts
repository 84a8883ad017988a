import { AsyncQueue } from '@pos/kit';
import type { ExecutionResult, GraphQLError } from 'graphql';
import type { SubscriptionSink } from '../operations';
import { unavailable } from './errors';
import type { EventResolver } from './event-execution';
import type { Joinable } from './stream-registry';
import type { SharedUpstream, UpstreamListener } from './shared-upstream';

const END = Symbol('end');
type Pending = { event: ExecutionResult; cursor: string | null } | typeof END;

/**
 * One client subscription (document, variables, caller scope) resolved once per event for all its identical
 * subscribers, in event order. Each result is serialised once and handed to every subscriber's sink in a plain
 * synchronous loop (a sink sends without waiting). A subscriber whose client cannot take the results is closed on
 * its own by its connection; the others and the shared resolution carry on.
 */
export class SharedStream implements UpstreamListener, Joinable {
  private readonly members = new Set<SubscriptionSink>();
  private readonly pending: AsyncQueue<Pending>;
  readonly live: boolean;
  /** The cursor of the last event handed to the subscribers, or where the stream starts. */
  position: string | null;
  private ending = false;
  private stopped = false;

  constructor(
    private readonly upstream: SharedUpstream,
    after: string | null,
    private readonly resolve: EventResolver,
    maxQueued: number,
    /** Called once for every subscriber that leaves, whichever way. */
    private readonly onLeave: () => void,
    private readonly onStop: () => void,
  ) {
    this.live = after === null;
    this.position = after;
    this.pending = new AsyncQueue<Pending>(maxQueued, undefined, () => unavailable('subscriber_too_slow'));
    upstream.attach(this);
    void this.pump();
  }

  get joinable(): boolean {
    return !this.ending && !this.stopped;
  }

  /** Upstream events, waiting for their resolution. Also used for the upstream's end, after the events before it. */
  next(event: ExecutionResult, cursor: string | null): void {
    this.pending.push({ event, cursor });
  }

  fail(error: GraphQLError): void {
    this.ending = true;
    this.pending.fail(error);
  }

  complete(): void {
    this.ending = true;
    this.pending.push(END);
  }

  /** Adds a subscriber; gives back how it leaves (kept per subscriber, so it closes over the sink alone). */
  attach(sink: SubscriptionSink): () => void {
    this.members.add(sink);
    return () => this.detach(sink);
  }

  /** A subscriber leaves (idempotent: only a member leaves); the stream stops with its last one. */
  detach(sink: SubscriptionSink): void {
    if (!this.members.delete(sink)) return;
    this.onLeave();
    if (!this.members.size) this.stop();
  }

  private async pump(): Promise<void> {
    for (;;) {
      let item: Pending;
      try {
        const next = await this.pending.next();
        if (next.done) break;
        item = next.value;
      } catch (error) {
        this.endAll((sink) => sink.error([error as GraphQLError]));
        break;
      }
      if (item === END) {
        this.endAll((sink) => sink.complete());
        break;
      }
      const result = await this.resolve(item.event);
      if (this.stopped) break;
      if (item.cursor !== null) this.position = item.cursor;
      const json = JSON.stringify(result);
      // A send may close its client (too slow), which detaches it from this set during the loop: a Set allows that.
      for (const sink of this.members) sink.next(json);
    }
    this.stop();
  }

  /** The stream ended: every subscriber is told, and leaves. */
  private endAll(tell: (sink: SubscriptionSink) => void): void {
    const members = [...this.members];
    this.members.clear();
    for (const sink of members) {
      this.onLeave();
      tell(sink);
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.pending.close();
    this.upstream.detach(this);
    this.onStop();
  }
}
