/**
 * What the parts of `pnpm bench` share: the abort signal, the closed-loop load generator, percentiles, the CPU each
 * process spends (from /proc), resident set sizes, and the interleaved measurement of several sides (`runSides`).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Aborted on Ctrl-C, SIGTERM or a failure, so the load loops end before the processes are stopped. */
export const aborted = new AbortController();

export function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
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
    latenciesMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) },
    errors,
    latencies,
  };
}

/** Nearest-rank percentile of ascending samples. */
export function percentile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN;
}

// ---------------------------------------------------------------------------------------------------------------
// CPU accounting from /proc
// ---------------------------------------------------------------------------------------------------------------

export const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime+stime (ms) and parent pid of a process, or null when it is gone (or there is no /proc). */
export function procStat(pid: number): { cpuMs: number; ppid: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 of proc(5) (state): ppid is field 4, utime 14, stime 15.
    return { ppid: Number(fields[1]), cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

/** CPU ms of every descendant of this process (the services and PostgreSQL with its backends). */
export function descendantsCpu(): Map<number, number> {
  const parents = new Map<number, number>();
  const cpu = new Map<number, number>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return cpu;
  }
  for (const entry of entries) {
    const stat = procStat(Number(entry));
    if (stat) {
      parents.set(Number(entry), stat.ppid);
      cpu.set(Number(entry), stat.cpuMs);
    }
  }
  const mine = new Map<number, number>();
  for (const [pid, ms] of cpu) {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) {
      if (p === process.pid) {
        mine.set(pid, ms);
        break;
      }
    }
  }
  return mine;
}

/** Busy and total CPU ms of the whole machine (all cores), from /proc/stat. */
export function machineCpu(): { busyMs: number; totalMs: number } | null {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = fields[3] + fields[4];
    return { busyMs: ((total - idle) * 1000) / TICKS_PER_SECOND, totalMs: (total * 1000) / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

export interface CpuBreakdown {
  gateway: number;
  subgraphs: number;
  postgres: number;
  client: number;
  /** Gateways that were not the one measured (the bench's peer gateways stand by while ours runs, and so on). */
  otherGateways?: number;
  /** Share of the machine's CPU that was busy during the run, and the share used by processes not ours. */
  machineBusyPercent: number | null;
  othersPercent: number | null;
}

/** The processes whose CPU `withCpu` tells apart; every other descendant of this process counts as PostgreSQL. */
export interface CpuPids {
  gateway: number;
  subgraphs: number[];
  otherGateways?: number[];
}

/** Measures the CPU ms each part of the system spent while `run` ran. */
export async function withCpu<T>(pids: CpuPids, run: () => Promise<T>) {
  const before = descendantsCpu();
  const machineBefore = machineCpu();
  const clientBefore = process.cpuUsage();
  const result = await run();
  const client = process.cpuUsage(clientBefore);
  const machineAfter = machineCpu();
  const after = descendantsCpu();
  const delta = (pid: number) => (after.get(pid) ?? before.get(pid) ?? 0) - (before.get(pid) ?? 0);
  const cpu: CpuBreakdown = {
    gateway: delta(pids.gateway),
    subgraphs: pids.subgraphs.reduce((sum, pid) => sum + delta(pid), 0),
    postgres: 0,
    client: (client.user + client.system) / 1000,
    otherGateways: (pids.otherGateways ?? []).reduce((sum, pid) => sum + delta(pid), 0),
    machineBusyPercent: null,
    othersPercent: null,
  };
  for (const pid of after.keys()) {
    if (pid !== pids.gateway && !pids.subgraphs.includes(pid) && !pids.otherGateways?.includes(pid)) {
      cpu.postgres += delta(pid);
    }
  }
  if (machineBefore && machineAfter && machineAfter.totalMs > machineBefore.totalMs) {
    const total = machineAfter.totalMs - machineBefore.totalMs;
    const busy = machineAfter.busyMs - machineBefore.busyMs;
    const ours = cpu.gateway + cpu.subgraphs + cpu.postgres + cpu.client + (cpu.otherGateways ?? 0);
    cpu.machineBusyPercent = (100 * busy) / total;
    cpu.othersPercent = Math.max(0, (100 * (busy - ours)) / total);
  }
  return { result, cpu };
}

/** A measured target's throughput, latency and CPU per request. */
export interface TargetResult {
  /**
   * 'gateway' and 'direct' for the federated query; 'rest …' and 'graphql …' for the REST comparison; the peer
   * part's gateways ('ours', 'hive', …).
   */
  target: string;
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  cpuMsPerRequest: { gateway: number | null; subgraphs: number; postgres: number; client: number };
  machineBusyPercent: number | null;
  othersPercent: number | null;
}

/** A target's figures per completed request; `throughGateway` false leaves out the gateway's CPU (null). */
export function summarise(target: string, load: LoadResult, cpu: CpuBreakdown, throughGateway: boolean): TargetResult {
  const per = (ms: number) => (load.requests ? ms / load.requests : NaN);
  return {
    target,
    requests: load.requests,
    seconds: load.seconds,
    requestsPerSecond: load.requests / load.seconds,
    p50Ms: load.latenciesMs.p50,
    p99Ms: load.latenciesMs.p99,
    errors: load.errors,
    cpuMsPerRequest: {
      gateway: throughGateway ? per(cpu.gateway) : null,
      subgraphs: per(cpu.subgraphs),
      postgres: per(cpu.postgres),
      client: per(cpu.client),
    },
    machineBusyPercent: cpu.machineBusyPercent,
    othersPercent: cpu.othersPercent,
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident set size of a process in MB (VmRSS), or null when it is gone (or there is no /proc). */
export function rssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number | null {
  try {
    const line = fs
      .readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${field}:`));
    return line ? Number(line.split(/\s+/)[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; gives the peak and the last sample. */
export function sampleRss(pid: number, everyMs = 100): () => { peakMb: number | null; lastMb: number | null } {
  let peakMb: number | null = null;
  let lastMb: number | null = null;
  const sample = () => {
    lastMb = rssMb(pid);
    if (lastMb !== null && (peakMb === null || lastMb > peakMb)) peakMb = lastMb;
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return () => {
    clearInterval(timer);
    sample();
    return { peakMb, lastMb };
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Subgraph counts and the interleaved measurement of several sides
// ---------------------------------------------------------------------------------------------------------------

/** What one subgraph has served (so far, or over a measurement), from its /metrics. */
export interface SubgraphCounts {
  /** GraphQL operations (`graphql_requests_total`). */
  operations: number;
  /** HTTP requests to /graphql: a batch of operations (the gateway's batched reads) is one. */
  httpRequests: number;
}

/** Adds to `total` what each subgraph served between the counts `before` and `after`; returns `total`. */
export function addSubgraphCounts(
  total: Record<string, SubgraphCounts>,
  before: Record<string, SubgraphCounts>,
  after: Record<string, SubgraphCounts>,
): Record<string, SubgraphCounts> {
  for (const [name, counts] of Object.entries(after)) {
    const sum = (total[name] ??= { operations: 0, httpRequests: 0 });
    sum.operations += counts.operations - before[name].operations;
    sum.httpRequests += counts.httpRequests - before[name].httpRequests;
  }
  return total;
}

/** Subgraph operations and HTTP requests per completed request, per subgraph. */
export function subgraphCountsPerRequest(counts: Record<string, SubgraphCounts>, requests: number) {
  const per = (pick: (c: SubgraphCounts) => number) =>
    Object.fromEntries(Object.entries(counts).map(([name, c]) => [name, pick(c) / Math.max(1, requests)]));
  return {
    subgraphOperationsPerRequest: per((c) => c.operations),
    subgraphHttpRequestsPerRequest: per((c) => c.httpRequests),
  };
}

/** One side of an interleaved measurement: sends its n-th request from the given worker (0 to connections - 1). */
export interface MeasuredSide {
  target: string;
  send(n: number, worker: number): Promise<void>;
}

export interface SideMeasurement<S extends MeasuredSide> {
  side: S;
  /** Over the measured segments (the warm-up not included). */
  load: LoadResult;
  /** CPU ms summed over the measured segments; the machine's busy and others' percentages averaged over them. */
  cpu: CpuBreakdown;
  warmupErrors: number;
  firstError: string | null;
  /** Per completed request and subgraph, from the subgraphs' /metrics. */
  subgraphOperationsPerRequest: Record<string, number>;
  subgraphHttpRequestsPerRequest: Record<string, number>;
  /** req/s of each measured segment, in the order run: how far apart they are shows the noise. */
  segmentsPerSecond: number[];
}

/**
 * Warms the sides up in ~1 s slices A B C A B C ..., then measures them in blocks A B C C B A of short segments:
 * on two shared cores other load comes and goes, and each side gets the same share of it. Each side is a closed
 * loop of `connections` workers; the CPU of each segment is measured with `withCpu` on `pids(side)`, and the
 * subgraphs' counts (`subgraphCounts`) are read before and after it.
 */
export async function runSides<S extends MeasuredSide>(
  sides: S[],
  options: {
    connections: number;
    /** Measured seconds per side. */
    seconds: number;
    /** Warm-up seconds per side. */
    warmupSeconds: number;
    /** About how many of a side's measured seconds one block A B C C B A holds (two segments per side). */
    blockSeconds: number;
    /** The processes whose CPU is told apart while `side` runs. */
    pids: (side: S) => CpuPids;
    subgraphCounts: () => Promise<Record<string, SubgraphCounts>>;
  },
): Promise<SideMeasurement<S>[]> {
  const { connections, seconds, warmupSeconds, blockSeconds } = options;
  const state = sides.map((side) => ({
    side,
    n: 0,
    latencies: [] as number[],
    requests: 0,
    seconds: 0,
    errors: 0,
    warmupErrors: 0,
    firstError: null as string | null,
    cpu: [] as CpuBreakdown[],
    counts: {} as Record<string, SubgraphCounts>,
    segments: [] as number[],
  }));
  type State = (typeof state)[number];
  const load = (s: State, secs: number) =>
    closedLoop(
      connections,
      secs,
      (worker) => s.side.send(s.n++, worker),
      (error) => {
        s.firstError ??= error instanceof Error ? error.message : String(error);
      },
    );
  const slices = Math.max(1, Math.round(warmupSeconds));
  for (let k = 0; k < slices; k++) {
    for (const s of state) {
      s.warmupErrors += (await load(s, warmupSeconds / slices)).errors;
      aborted.signal.throwIfAborted();
    }
  }
  const blocks = Math.max(1, Math.round(seconds / blockSeconds));
  const order = state.map((_, i) => i);
  for (const i of Array.from({ length: blocks }, () => [...order, ...[...order].reverse()]).flat()) {
    const s = state[i];
    const before = await options.subgraphCounts();
    const { result, cpu } = await withCpu(options.pids(s.side), () => load(s, seconds / (2 * blocks)));
    const after = await options.subgraphCounts();
    aborted.signal.throwIfAborted();
    addSubgraphCounts(s.counts, before, after);
    s.latencies = s.latencies.concat(result.latencies);
    s.requests += result.requests;
    s.seconds += result.seconds;
    s.errors += result.errors;
    s.cpu.push(cpu);
    s.segments.push(result.requests / result.seconds);
  }
  return state.map((s) => {
    s.latencies.sort((a, b) => a - b);
    const sum = (f: (c: CpuBreakdown) => number) => s.cpu.reduce((total, c) => total + f(c), 0);
    const mean = (f: (c: CpuBreakdown) => number | null) => {
      const values = s.cpu.map(f).filter((v): v is number => v !== null);
      return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
    };
    return {
      side: s.side,
      load: {
        requests: s.requests,
        seconds: s.seconds,
        latenciesMs: { p50: percentile(s.latencies, 0.5), p99: percentile(s.latencies, 0.99) },
        errors: s.errors,
      },
      cpu: {
        gateway: sum((c) => c.gateway),
        subgraphs: sum((c) => c.subgraphs),
        postgres: sum((c) => c.postgres),
        client: sum((c) => c.client),
        otherGateways: sum((c) => c.otherGateways ?? 0),
        machineBusyPercent: mean((c) => c.machineBusyPercent),
        othersPercent: mean((c) => c.othersPercent),
      },
      warmupErrors: s.warmupErrors,
      firstError: s.firstError,
      ...subgraphCountsPerRequest(s.counts, s.requests),
      segmentsPerSecond: s.segments,
    };
  });
}

/** A node of @apollo/gateway's query plan, as much of it as the bench reads. */
export interface PlanNode {
  kind: string;
  nodes?: PlanNode[];
  node?: PlanNode;
  path?: Array<string | number>;
  serviceName?: string;
  operation?: string;
  operationName?: string;
}
