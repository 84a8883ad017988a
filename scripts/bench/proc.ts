/**
 * What the bench reads from /proc: the CPU each process spends (`withCpu` tells the gateway, the subgraphs,
 * PostgreSQL and this process apart), the machine's busy share, resident set sizes and the open-files limit.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

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

/** The soft limit on open files of this process (the services inherit it), or null when unknown. */
export function openFilesLimit(): number | null {
  try {
    const line = fs
      .readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined ? null : soft === 'unlimited' ? Infinity : Number(soft);
  } catch {
    return null;
  }
}
