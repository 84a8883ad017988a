/**
 * What the parts of `pnpm bench` share: the abort signal, the closed-loop load generator, percentiles, the CPU each
 * process spends (from /proc) and resident set sizes.
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

/** Measures the CPU ms each part of the system spent while `run` ran. */
export async function withCpu<T>(
  pids: { gateway: number; subgraphs: number[]; otherGateways?: number[] },
  run: () => Promise<T>,
) {
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
