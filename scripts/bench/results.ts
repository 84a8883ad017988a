/**
 * A measured target's figures as the report gives them (throughput, latency, CPU per request), and the subgraph
 * operations and HTTP requests it caused per request.
 */
import type { LoadResult } from './load';
import type { CpuBreakdown } from './proc';

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
