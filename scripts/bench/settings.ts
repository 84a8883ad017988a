/**
 * The settings of `pnpm bench`, read once from the environment when the bench loads (a bad value stops it before
 * anything starts). Which parts run (BENCH_ONLY, BENCH_SMOKE) is index.ts's.
 */

export function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

/** A comma-separated list of positive integers, e.g. BENCH_SUBSCRIBERS=1000,10000. */
export function positiveList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (!values.every((v) => Number.isInteger(v) && v > 0)) {
    throw new Error(`${name} must be comma-separated positive integers, got ${raw}`);
  }
  return values;
}

export const HOST = '127.0.0.1';

/** Workers (connections) of every closed loop: both sides of every comparison get the same number. */
export const CONNECTIONS = Math.round(positiveNumber('BENCH_CONNECTIONS', 10));

// The "queries" part: BENCH_SECONDS and BENCH_WARMUP_SECONDS per side of the federated query and the order pairs,
// BENCH_ORDERS orders created (each with one payment) for the federated query to read, and, shorter to keep the
// whole bench near two minutes, the measured and warm-up seconds per side of the check read, of the pay
// measurements and of the earn measurements.
export const SECONDS = positiveNumber('BENCH_SECONDS', 10);
export const WARMUP_SECONDS = positiveNumber('BENCH_WARMUP_SECONDS', 3);
export const ORDERS = Math.round(positiveNumber('BENCH_ORDERS', 10));
export const CHECK_SECONDS = positiveNumber('BENCH_CHECK_SECONDS', 4);
export const CHECK_WARMUP_SECONDS = positiveNumber('BENCH_CHECK_WARMUP_SECONDS', 2);
export const PAY_SECONDS = positiveNumber('BENCH_PAY_SECONDS', 3);
export const PAY_WARMUP_SECONDS = positiveNumber('BENCH_PAY_WARMUP_SECONDS', 1.5);
export const LOYALTY_SECONDS = positiveNumber('BENCH_LOYALTY_SECONDS', 5);
export const LOYALTY_WARMUP_SECONDS = positiveNumber('BENCH_LOYALTY_WARMUP_SECONDS', 2);

// The "peer" part.
export const PEER_SECONDS = positiveNumber('BENCH_PEER_SECONDS', 6);
export const PEER_WARMUP_SECONDS = positiveNumber('BENCH_PEER_WARMUP_SECONDS', 3);
/** BENCH_PEER_CASES="wide read varied,small read identical" runs only those (for profiling one of them). */
export const PEER_CASES = process.env.BENCH_PEER_CASES?.split(',').map((c) => c.trim());

// The "writes" part.
export const WRITE_SECONDS = positiveNumber('BENCH_WRITE_SECONDS', 6);
export const WRITE_WARMUP_SECONDS = positiveNumber('BENCH_WRITE_WARMUP_SECONDS', 3);

// The "subscribers" part.
export const SUB_LEVELS = positiveList('BENCH_SUBSCRIBERS', [1000, 10_000]);
export const SUB_PER_SELECTION = Math.round(positiveNumber('BENCH_SUB_PER_SELECTION', 100));
export const SUB_RATE = positiveNumber('BENCH_SUB_RATE', 2);
export const SUB_SECONDS = positiveNumber('BENCH_SUB_SECONDS', 10);
export const SUB_WARMUP_SECONDS = positiveNumber('BENCH_SUB_WARMUP_SECONDS', 2);
export const SUB_DRAIN_SECONDS = positiveNumber('BENCH_SUB_DRAIN_SECONDS', 20);
/** The levels the HTTP transports (multipart, SSE) are measured at, besides graphql-ws at every level. */
export const SUB_HTTP_LEVELS = positiveList('BENCH_SUB_HTTP_LEVELS', [1000]);
export type SubTransport = 'graphql-ws' | 'multipart' | 'sse';
const SUB_TRANSPORT_NAMES: SubTransport[] = ['graphql-ws', 'multipart', 'sse'];
export const SUB_TRANSPORTS = (() => {
  const raw = process.env.BENCH_SUB_TRANSPORTS?.trim() || SUB_TRANSPORT_NAMES.join(',');
  const names = raw.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !SUB_TRANSPORT_NAMES.includes(name as SubTransport));
  if (unknown.length) throw new Error(`BENCH_SUB_TRANSPORTS takes ${SUB_TRANSPORT_NAMES.join(', ')}, got ${raw}`);
  return names as SubTransport[];
})();
