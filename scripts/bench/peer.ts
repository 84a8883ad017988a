/**
 * The "peer" part of `pnpm bench`: our gateway side by side with @graphql-hive/gateway (peer-gateways.ts) on the
 * same committed supergraph and the same running subgraphs, in the same run, and the wide read against the same
 * subgraph requests sent directly (peer-direct.ts: the gateway's overhead).
 *
 * - Our gateway gets the demo partner's Bearer token and does what it always does: verifies it (a cached
 *   verification: a SHA-256 and map lookups) and signs the context (cached too). The peers check nothing.
 * - Operations (peer-operations.ts): a small read, a wide read and a mutation, each "identical" and "varied".
 * - Every read is checked byte for byte against the answer its target gave before the run (and those against each
 *   other, field for field: peer-reads.ts); every mutation must answer a new order (peer-mutations.ts).
 * - Sides take turns: warm-up in ~1 s slices A B C A B C ..., then blocks A B C C B A of short segments; CPU per
 *   process from /proc over the measured segments, and the share of the machine used by other processes.
 */
import { signInternalContext } from '@pos/kit';
import { demoPartner } from './demo-data';
import { figureCells, fixed, printTable } from './format';
import { benchPool } from './http';
import { seed } from './peer-data';
import { DirectWide } from './peer-direct';
import { startPeers, stopPeers } from './peer-gateways';
import { mutationSide } from './peer-mutations';
import { CREATE_ORDER, SMALL_READ, type Target, WIDE_SELECTIONS, wideRead } from './peer-operations';
import { type Pattern, prepareReads } from './peer-reads';
import { rssMb } from './proc';
import { type SideResult, runGatewaySides } from './sides';
import { CONNECTIONS, PEER_CASES, PEER_SECONDS, PEER_WARMUP_SECONDS } from './settings';
import type { System } from './system';

/** ours/peer throughput on every read, at a lower p99. */
export const PEER_TARGET_RATIO = 1.5;
/** gateway/direct throughput of the wide read. */
export const OVERHEAD_TARGET_RATIO = 0.8;

const PEER_LOCATIONS = 4;
const ORDERS_PER_LOCATION = 10;

const CASES: Array<{ operation: string; pattern: Pattern }> = [
  { operation: 'small read', pattern: 'identical' },
  { operation: 'small read', pattern: 'varied' },
  { operation: 'wide read', pattern: 'identical' },
  { operation: 'wide read', pattern: 'varied' },
  { operation: 'mutation', pattern: 'identical' },
  { operation: 'mutation', pattern: 'varied' },
];

function printCase(title: string, rows: SideResult[], rss: Record<string, number | null>): void {
  const header = [
    title,
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'gw CPU ms/req',
    'subgraphs ms/req',
    'PG ms/req',
    'client ms/req',
    'gw RSS MB',
    'others %',
    'subgraph HTTP/req',
    'subgraph ops/req',
  ];
  const lines = rows.map((r) => [
    r.target,
    ...figureCells(r, r.errors + r.warmupErrors),
    fixed(rss[r.target], 0),
    fixed(r.othersPercent, 0),
    fixed(Object.values(r.subgraphHttpRequestsPerRequest).reduce((a, b) => a + b, 0)),
    Object.entries(r.subgraphOperationsPerRequest)
      .map(([name, n]) => `${name} ${n.toFixed(2)}`)
      .join(', '),
  ]);
  printTable(header, lines, [0, header.length - 1]);
  for (const r of rows) {
    if (r.errors || r.warmupErrors) console.log(`  ${r.target}: first error: ${r.firstError ?? '-'}`);
  }
}

/** The peer comparison and the wide read's overhead; `smoke` runs every case once for a second. */
export async function peerBench(
  sys: System,
  options: { smoke?: boolean } = {},
): Promise<{ report: Record<string, unknown>; failed: boolean }> {
  const seconds = options.smoke ? 0.5 : PEER_SECONDS;
  // The smoke (CI) only checks that everything still runs: less data to make.
  const locations = options.smoke ? 2 : PEER_LOCATIONS;
  const perLocation = options.smoke ? 4 : ORDERS_PER_LOCATION;
  const warmupSeconds = options.smoke ? 0.25 : PEER_WARMUP_SECONDS;
  const contextToken = await signInternalContext(sys.secrets.INTERNAL_JWT_SECRET, demoPartner(sys.scopes), 3600);
  const peers = await startPeers(sys, contextToken);
  const ourPool = benchPool(sys, sys.gatewayUrl);
  const targets: Target[] = [
    { name: 'ours', pool: ourPool, pid: sys.pids.gateway, headers: { authorization: `Bearer ${sys.token}` } },
    ...peers.map((peer) => ({ name: peer.name, pool: benchPool(sys, peer.url), pid: peer.pid, headers: {} })),
  ];
  const allGateways = targets.map((t) => t.pid);
  const direct = new DirectWide(sys, contextToken);
  sys.clients.push(direct);

  const seeded = Date.now();
  const data = await seed(sys, ourPool, locations, perLocation);
  console.log(
    `\npeer: ${targets.map((t) => t.name).join(', ')}; data: ${locations} locations x ${perLocation} ` +
      `orders, each with a check, 2 payments and a loyalty earn (made in ${((Date.now() - seeded) / 1000).toFixed(1)} s)`,
  );
  const { readSide, directSide, entities } = await prepareReads(targets, data, direct, perLocation);

  const cases: Array<{
    operation: string;
    pattern: string;
    results: SideResult[];
    rssMb: Record<string, number | null>;
  }> = [];
  for (const { operation, pattern } of CASES.filter(
    (c) => !PEER_CASES || PEER_CASES.includes(`${c.operation} ${c.pattern}`),
  )) {
    const sides = targets.map((t) =>
      operation === 'mutation' ? mutationSide(t, pattern) : readSide(t, operation, pattern),
    );
    if (operation === 'wide read' && pattern === 'varied') sides.push(directSide);
    console.log(
      `\npeer ${operation} ${pattern}: ${sides.map((s) => s.target).join(', ')}; ${warmupSeconds} s warm-up and ` +
        `${seconds} s measured each, interleaved, ${CONNECTIONS} workers...`,
    );
    const results = await runGatewaySides(sys, allGateways, sides, seconds, warmupSeconds);
    const rss = Object.fromEntries(targets.map((t) => [t.name, rssMb(t.pid)]));
    printCase(`${operation} ${pattern}`, results, rss);
    cases.push({ operation, pattern, results, rssMb: rss });
  }
  const peakRss = Object.fromEntries(targets.map((t) => [t.name, rssMb(t.pid, 'VmHWM')]));
  const rssAfter = Object.fromEntries(targets.map((t) => [t.name, rssMb(t.pid)]));
  // The peers are done: stopped now, so that they take no memory or CPU from the parts after this one.
  await stopPeers(sys, peers);

  // One line per figure.
  console.log('');
  const lines: Array<Record<string, unknown>> = [];
  let failed = false;
  for (const c of cases) {
    const ours = c.results.find((r) => r.target === 'ours')!;
    for (const peer of peers) {
      const theirs = c.results.find((r) => r.target === peer.name)!;
      const isRead = c.operation !== 'mutation';
      if (!(theirs.requestsPerSecond > 0)) {
        // The smoke's half-second windows can end before a slow side's first answer: no ratio, and no verdict.
        console.log(
          `bench: peer ${c.operation} ${c.pattern} ours/${peer.name} not compared: ${peer.name} completed no ` +
            `request in the measured window (ours ${ours.requestsPerSecond.toFixed(1)} req/s)`,
        );
        lines.push({ operation: c.operation, pattern: c.pattern, peer: peer.name, ratio: null, meetsTarget: null });
        continue;
      }
      const ratio = ours.requestsPerSecond / theirs.requestsPerSecond;
      const meets = ratio >= PEER_TARGET_RATIO && ours.p99Ms < theirs.p99Ms;
      console.log(
        `bench: peer ${c.operation} ${c.pattern} ours/${peer.name} throughput ${ratio.toFixed(2)} ` +
          `(${ours.requestsPerSecond.toFixed(1)} vs ${theirs.requestsPerSecond.toFixed(1)} req/s), p99 ` +
          `${ours.p99Ms.toFixed(1)} vs ${theirs.p99Ms.toFixed(1)} ms, gateway CPU ` +
          `${ours.cpuMsPerRequest.gateway?.toFixed(2)} vs ${theirs.cpuMsPerRequest.gateway?.toFixed(2)} ms/req` +
          (isRead ? ` (target >= ${PEER_TARGET_RATIO} at lower p99)${meets ? '' : ' BELOW TARGET'}` : ''),
      );
      lines.push({
        operation: c.operation,
        pattern: c.pattern,
        peer: peer.name,
        ratio,
        meetsTarget: isRead ? meets : null,
      });
    }
  }
  const wideVaried = cases.find((c) => c.operation === 'wide read' && c.pattern === 'varied');
  const oursWide = wideVaried?.results.find((r) => r.target === 'ours');
  const directWide = wideVaried?.results.find((r) => r.target === 'direct');
  const overhead = oursWide && directWide ? oursWide.requestsPerSecond / directWide.requestsPerSecond : NaN;
  if (oursWide && directWide)
    console.log(
      `bench: gateway/direct wide read (varied) throughput ${overhead.toFixed(2)} (${oursWide.requestsPerSecond.toFixed(1)} ` +
        `vs ${directWide.requestsPerSecond.toFixed(1)} req/s; p99 ${oursWide.p99Ms.toFixed(1)} vs ` +
        `${directWide.p99Ms.toFixed(1)} ms) (target >= ${OVERHEAD_TARGET_RATIO})` +
        (overhead >= OVERHEAD_TARGET_RATIO ? '' : ' BELOW TARGET'),
    );
  console.log(
    `bench: peer gateway RSS after the runs ${targets.map((t) => `${t.name} ${rssAfter[t.name]?.toFixed(0) ?? '-'} MB (peak ${peakRss[t.name]?.toFixed(0) ?? '-'})`).join(', ')}`,
  );
  for (const c of cases) {
    for (const r of c.results) {
      if (r.errors || r.warmupErrors) {
        failed = true;
        console.log(`bench: peer ${c.operation} ${c.pattern} ${r.target} ${r.errors + r.warmupErrors} errors FAILED`);
      }
    }
  }
  return {
    failed,
    report: {
      measurement:
        'closed loop, one undici Pool per target, same workers; warm-up in ~1 s slices, then blocks A B C C B A of ' +
        'short segments; every read checked byte for byte against its target’s answer taken before (those compared ' +
        'field for field across targets); every mutation a new order',
      peers:
        'hive: `hive-gateway supergraph` (2.15.1, default options: identical in-flight subgraph requests shared); ' +
        'hive no-coalescing: the same with transportEntries *.http deduplicateInflightRequests false; both send a ' +
        'static signed x-pos-context (the demo partner) to the subgraphs and check no credential; ours verifies the ' +
        'Bearer token of the same partner (cached) and signs the context (cached)',
      operations: {
        smallRead: SMALL_READ,
        wideRead: wideRead(0),
        wideReadSelections: 'selection s adds status+kind (s&1), orderNumber (s&2), currency (s&4)',
        mutation: CREATE_ORDER,
        identical: 'every request the same body',
        varied: `small read over ${data.orders.flat().length} orders; wide read over ${locations} locations x ${WIDE_SELECTIONS} selections; mutation with its own total and reference`,
      },
      wideReadEntities: entities,
      seconds,
      warmupSeconds,
      connections: CONNECTIONS,
      cases,
      summary: lines,
      overhead: { ratio: overhead, target: OVERHEAD_TARGET_RATIO, gateway: oursWide, direct: directWide },
      rssMbAfter: rssAfter,
      peakRssMb: peakRss,
    },
  };
}
