/**
 * A bounded push-to-pull queue that is also an async iterator, for streams (subscriptions) whose consumer may be
 * slower than the producer. `return()` (a client unsubscribing) ends a pending `next()` at once, which an async
 * generator cannot do while it is suspended on an await; that is why streams are built on this instead.
 * A consumer that falls `maxBuffered` items behind is failed rather than left to grow memory without bound, with
 * `overflowError()`: a stream's owner names the failure in its own vocabulary (a GraphQL error with a code the next
 * hop can act on) instead of a bare Error whose text a transport would have to guess at.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void } | null = null;
  private failure: Error | null = null;
  private closed = false;
  private ending = false;

  constructor(
    private readonly maxBuffered = 10_000,
    private readonly onClose?: () => void,
    private readonly overflowError: () => Error = () => new Error('Subscriber too slow: event buffer overflow'),
  ) {}

  /** Items waiting for the consumer. */
  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.closed || this.failure || this.ending) return;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve({ value: item, done: false });
    } else if (this.items.length >= this.maxBuffered) {
      this.fail(this.overflowError());
    } else {
      this.items.push(item);
    }
  }

  /** Puts items ahead of everything queued (a replay of what came before the live stream). */
  prepend(items: T[]): void {
    if (!items.length || this.closed) return;
    if (this.waiting) {
      const [first, ...rest] = items;
      this.items.unshift(...rest);
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve({ value: first, done: false });
    } else {
      this.items.unshift(...items);
    }
  }

  /** Ends the stream with an error once the items already queued have been consumed. */
  fail(error: Error): void {
    if (this.closed || this.failure) return;
    this.failure = error;
    if (this.waiting && !this.items.length) {
      const { reject } = this.waiting;
      this.waiting = null;
      reject(error);
      // The consumer has its error; release the producer side now rather than at its next call.
      this.close();
    }
  }

  /** Ends the stream once the items already queued have been consumed (`close()` drops them). */
  end(): void {
    if (this.closed || this.failure || this.ending) return;
    this.ending = true;
    if (!this.items.length) this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.items = [];
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve({ value: undefined, done: true });
    }
    this.onClose?.();
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.items.length) return { value: this.items.shift()!, done: false };
    if (this.closed) return { value: undefined, done: true };
    if (this.ending) {
      this.close();
      return { value: undefined, done: true };
    }
    if (this.failure) {
      this.close();
      throw this.failure;
    }
    return new Promise<IteratorResult<T>>((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  async return(): Promise<IteratorResult<T>> {
    this.close();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
