/**
 * The interleaved measurement of several sides (`runSides`), which every comparison of the bench but the federated
 * query uses, and its form for sides that each go through a gateway of their own (`runGatewaySides`: the peer and
 * write parts).
 */
import { type LoadResult, aborted, closedLoop, latencyPercentiles } from './load';
import { type CpuBreakdown, type CpuPids, withCpu } from './proc';
import {
  type SubgraphCounts,
  type TargetResult,
  addSubgraphCounts,
  subgraphCountsPerRequest,
  summarise,
} from './results';
import { CONNECTIONS } from './settings';
import type { System } from './system';

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
    counts: {},
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
        latenciesMs: latencyPercentiles(s.latencies),
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

export interface GatewaySide extends MeasuredSide {
  /** The gateway process whose CPU is this side's (null: none, the direct client). */
  gatewayPid: number | null;
}

export interface SideResult extends Omit<TargetResult, 'machineBusyPercent'> {
  warmupErrors: number;
  firstError: string | null;
  subgraphOperationsPerRequest: Record<string, number>;
  /** HTTP requests to each subgraph's /graphql per request (fewer than the operations where the gateway batched). */
  subgraphHttpRequestsPerRequest: Record<string, number>;
  segmentsPerSecond: number[];
}

/**
 * The sides measured interleaved (`runSides`) in blocks of ~3 s per side: each side's gateway CPU is its own
 * gateway's (ours when it has none), the other gateways standing by; subgraphs a side did not reach are left out of
 * its counts.
 */
export async function runGatewaySides(
  sys: System,
  allGateways: number[],
  sides: GatewaySide[],
  seconds: number,
  warmupSeconds: number,
): Promise<SideResult[]> {
  const measured = await runSides(sides, {
    connections: CONNECTIONS,
    seconds,
    warmupSeconds,
    blockSeconds: 3,
    pids: (side) => {
      const gateway = side.gatewayPid ?? sys.pids.gateway;
      return { gateway, subgraphs: sys.pids.subgraphs, otherGateways: allGateways.filter((pid) => pid !== gateway) };
    },
    subgraphCounts: () => sys.subgraphCounts(),
  });
  return measured.map(({ side, load, cpu, ...m }) => {
    // The peer part's results give the others' share alone (othersPercent).
    const { machineBusyPercent, ...result } = summarise(side.target, load, cpu, side.gatewayPid !== null);
    const reached = (counts: Record<string, number>) =>
      Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
    return {
      ...result,
      warmupErrors: m.warmupErrors,
      firstError: m.firstError,
      subgraphOperationsPerRequest: reached(m.subgraphOperationsPerRequest),
      subgraphHttpRequestsPerRequest: reached(m.subgraphHttpRequestsPerRequest),
      segmentsPerSecond: m.segmentsPerSecond,
    };
  });
}
