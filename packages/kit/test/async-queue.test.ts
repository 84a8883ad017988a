import { AsyncQueue } from '../src/async-queue';

/** Settles within the current macrotask or reports that it is still pending. */
const settledNow = <T>(promise: Promise<T>): Promise<{ value: T } | 'pending'> =>
  Promise.race([
    promise.then((value) => ({ value })),
    new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending'))),
  ]);

describe('AsyncQueue', () => {
  it('delivers pushed items in order, whether they were queued or awaited', async () => {
    const queue = new AsyncQueue<number>();
    queue.push(1);
    queue.push(2);
    expect(await queue.next()).toEqual({ value: 1, done: false });
    expect(await queue.next()).toEqual({ value: 2, done: false });

    const pending = queue.next();
    queue.push(3);
    queue.push(4);
    expect(await pending).toEqual({ value: 3, done: false });
    expect(await queue.next()).toEqual({ value: 4, done: false });
  });

  it('is an async iterable that ends when closed', async () => {
    const queue = new AsyncQueue<string>();
    ['a', 'b', 'c'].forEach((item) => queue.push(item));
    const seen: string[] = [];
    for await (const item of queue) {
      seen.push(item);
      if (item === 'c') queue.close();
    }
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('ends a pending next() at once when the consumer returns', async () => {
    const queue = new AsyncQueue<number>();
    const pending = queue.next();
    expect(await settledNow(pending)).toBe('pending');
    expect(await queue.return()).toEqual({ value: undefined, done: true });
    expect(await settledNow(pending)).toEqual({ value: { value: undefined, done: true } });
    // Nothing is delivered after the end, even if the producer keeps pushing.
    queue.push(1);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('puts prepended items ahead of the queued ones', async () => {
    const queue = new AsyncQueue<number>();
    queue.push(3);
    queue.push(4);
    queue.prepend([1, 2]);
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push((await queue.next()).value);
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it('hands the first prepended item to a waiting consumer and keeps the rest first in line', async () => {
    const queue = new AsyncQueue<number>();
    const pending = queue.next();
    queue.prepend([1, 2]);
    queue.push(3);
    expect(await pending).toEqual({ value: 1, done: false });
    expect(await queue.next()).toEqual({ value: 2, done: false });
    expect(await queue.next()).toEqual({ value: 3, done: false });
  });

  it('fails a consumer that falls too far behind, after the items already queued', async () => {
    const onClose = jest.fn();
    const queue = new AsyncQueue<number>(2, onClose);
    queue.push(1);
    queue.push(2);
    queue.push(3); // overflow: the stream fails; 3 is never delivered
    queue.push(4);
    expect(await queue.next()).toEqual({ value: 1, done: false });
    expect(await queue.next()).toEqual({ value: 2, done: false });
    await expect(queue.next()).rejects.toThrow('Subscriber too slow: event buffer overflow');
    // Failing ends the stream: the hub's subscriber is removed.
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('rejects a waiting consumer when failed with nothing queued', async () => {
    const queue = new AsyncQueue<number>();
    const pending = queue.next();
    queue.fail(new Error('upstream gone'));
    await expect(pending).rejects.toThrow('upstream gone');
  });

  it('calls onClose once, however often it is closed', async () => {
    const onClose = jest.fn();
    const queue = new AsyncQueue<number>(10, onClose);
    queue.push(1);
    queue.close();
    queue.close();
    await queue.return();
    expect(onClose).toHaveBeenCalledTimes(1);
    // Queued items are dropped on close.
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('reports the stream finished after its error, and releases the producer when a waiting consumer fails', async () => {
    const onClose = jest.fn();
    const queue = new AsyncQueue<number>(10, onClose);
    const pending = queue.next();
    queue.fail(new Error('boom'));
    await expect(pending).rejects.toThrow('boom');
    expect(onClose).toHaveBeenCalledTimes(1);
    await expect(queue.next()).resolves.toEqual({ value: undefined, done: true });
  });

  it('end() lets the consumer drain what is queued, then finishes; nothing pushed after it is kept', async () => {
    let closed = 0;
    const queue = new AsyncQueue<number>(10, () => closed++);
    queue.push(1);
    queue.push(2);
    queue.end();
    queue.push(3);
    expect(await queue.next()).toEqual({ value: 1, done: false });
    expect(await queue.next()).toEqual({ value: 2, done: false });
    expect(await queue.next()).toEqual({ value: undefined, done: true });
    expect(closed).toBe(1);

    // With nothing queued, a waiting consumer is released at once.
    const idle = new AsyncQueue<number>();
    const waiting = idle.next();
    idle.end();
    expect(await settledNow(waiting)).toEqual({ value: { value: undefined, done: true } });
  });

  it('fails an overflowing consumer with the owner’s error, after what was queued', async () => {
    const queue = new AsyncQueue<number>(2, undefined, () => new Error('too slow, in our words'));
    queue.push(1);
    queue.push(2);
    queue.push(3);
    expect(queue.size).toBe(2);
    expect(await queue.next()).toEqual({ value: 1, done: false });
    expect(await queue.next()).toEqual({ value: 2, done: false });
    await expect(queue.next()).rejects.toThrow('too slow, in our words');
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });
});
