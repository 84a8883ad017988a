/** A shared stream a new subscriber may join, and where it stands. */
export interface Joinable {
  /** Started from "now" rather than after a cursor. */
  readonly live: boolean;
  /** The cursor of the last event delivered, or where the stream starts. */
  readonly position: string | null;
  /** Neither ending nor stopped. */
  readonly joinable: boolean;
}

/**
 * Open shared streams by what makes them identical (a key), several per key: identical streams started at
 * different cursors are different streams until one catches up with the other.
 */
export class StreamRegistry<T extends Joinable> {
  private readonly byKey = new Map<string, T[]>();

  /**
   * Where a new subscriber can join without missing or repeating anything: a subscriber from "now" joins a stream
   * that started from "now"; one resuming after a cursor joins a stream whose last delivered event is that cursor.
   */
  joinable(key: string, after: string | null): T | undefined {
    return this.byKey.get(key)?.find((c) => c.joinable && (after === null ? c.live : c.position === after));
  }

  add(key: string, value: T): void {
    const list = this.byKey.get(key);
    if (list) list.push(value);
    else this.byKey.set(key, [value]);
  }

  remove(key: string, value: T): void {
    const list = this.byKey.get(key)?.filter((v) => v !== value);
    if (list?.length) this.byKey.set(key, list);
    else this.byKey.delete(key);
  }

  /** The streams open, every key's counted. */
  get size(): number {
    let total = 0;
    for (const list of this.byKey.values()) total += list.length;
    return total;
  }

  /** A snapshot of every stream, which stopping them (and so removing them) does not disturb. */
  all(): T[] {
    return [...this.byKey.values()].flat();
  }
}
