/**
 * Driving load: the abort signal every loop watches, the closed-loop load generator, percentiles, and the small
 * waiting helpers (sleep, polling, bounded concurrency).
 */
import { performance } from 'node:perf_hooks';

/** Aborted on Ctrl-C, SIGTERM or a failure, so the load loops end before the processes are stopped. */
export const aborted = new AbortController();

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds or `ms` pass; says which. */
export async function until(check: () => boolean | Promise<boolean>, ms: number, everyMs = 100): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (performance.now() > deadline || aborted.signal.aborted) return false;
    await sleep(everyMs);
  }
}

/** Runs `task(0..count-1)` with at most `concurrency` running at once. */
export async function inBatches(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      aborted.signal.throwIfAborted();
      await task(next++);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

export interface LoadResult {
  requests: number;
  seconds: number;
  latenciesMs: { p50: number; p99: number };
  errors: number;
}

/**
 * `connections` workers, each sending the next request when the previous one is done, for `seconds`. As with
 * autocannon, only requests completed inside the window count (requests still in flight at the end are drained).
 * `request` is told which worker (0 to connections - 1) sends it.
 */
export async function closedLoop(
  connections: number,
  seconds: number,
  request: (worker: number) => Promise<unknown>,
  onError: (error: unknown) => void,
): Promise<LoadResult & { latencies: number[] }> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  const worker = async (index: number) => {
    while (performance.now() < end && !aborted.signal.aborted) {
      const t0 = performance.now();
      try {
        await request(index);
        const t1 = performance.now();
        if (t1 <= end) latencies.push(t1 - t0);
      } catch (error) {
        if (performance.now() <= end) errors++;
        onError(error);
        // A request that fails at once must not turn this loop into a microtask spin that starves the event loop.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, index) => worker(index)));
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    seconds,
    latenciesMs: latencyPercentiles(latencies),
    errors,
    latencies,
  };
}

/** Nearest-rank percentile of ascending samples. */
export function percentile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN;
}

/** p50 and p99 of ascending latencies. */
export function latencyPercentiles(sorted: number[]): LoadResult['latenciesMs'] {
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}
