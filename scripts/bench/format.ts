/** How the bench prints figures: numbers with a dash for none, and aligned tables. */
import type { TargetResult } from './results';

/** `n` with `digits` decimals, or '-' when there is no figure (null, undefined or NaN). */
export function fixed(n: number | null | undefined, digits = 2): string {
  return n === null || n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);
}

/** A table with a header, a rule and a line per row; the columns in `leftAligned` are padded on the right. */
export function printTable(header: string[], lines: string[][], leftAligned: number[] = [0]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) =>
    cells.map((c, i) => (leftAligned.includes(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
  console.log(row(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const line of lines) console.log(row(line));
}

/**
 * The cells every results table starts a row with, after the target: req/s, p50 and p99, `errors`, and the CPU ms
 * per request of the gateway, the subgraphs, PostgreSQL and this process (the client).
 */
export function figureCells(
  r: Pick<TargetResult, 'requestsPerSecond' | 'p50Ms' | 'p99Ms' | 'cpuMsPerRequest'>,
  errors: number,
): string[] {
  const cpu = r.cpuMsPerRequest;
  return [
    fixed(r.requestsPerSecond, 1),
    fixed(r.p50Ms, 1),
    fixed(r.p99Ms, 1),
    String(errors),
    fixed(cpu.gateway),
    fixed(cpu.subgraphs),
    fixed(cpu.postgres),
    fixed(cpu.client),
  ];
}

/** The queries part's table: a row per target with its throughput, latency, errors and CPU per request. */
export function printTargets(rows: TargetResult[]): void {
  const header = [
    'target',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'gw CPU ms/req',
    'subgraphs CPU ms/req',
    'PG CPU ms/req',
    'client CPU ms/req',
    'box busy %',
    'others %',
  ];
  const lines = rows.map((r) => [
    r.target,
    ...figureCells(r, r.errors),
    fixed(r.machineBusyPercent, 0),
    fixed(r.othersPercent, 0),
  ]);
  printTable(header, lines);
}

/** Subgraph operations per request as `name n.nn, …`, leaving out the subgraphs a target (all but) did not reach. */
export function operationsLine(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0.005)
    .map(([name, n]) => `${name} ${n.toFixed(2)}`)
    .join(', ');
}
