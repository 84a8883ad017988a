/**
 * The "subscribers" part of `pnpm bench`: payment events through the gateway to many subscribers. At each of
 * BENCH_SUBSCRIBERS (1000,10000), that many WebSocket clients speaking graphql-transport-ws (graphql-ws's
 * protocol), one WebSocket each, in this process (the gateway's RSS is its own process's), subscribe to
 * paymentEvents through the gateway, one distinct selection per BENCH_SUB_PER_SELECTION (100) of them; then
 * createPayment through the gateway at BENCH_SUB_RATE (2) payments a second, BENCH_SUB_WARMUP_SECONDS (2) of
 * warm-up and BENCH_SUB_SECONDS (10) measured, and a drain of at most BENCH_SUB_DRAIN_SECONDS (20). Reports the
 * delivery latency (receipt minus the event's occurredAt) p50/p99 over every (event, subscriber) delivery, the
 * gateway's peak RSS, its upstream stream count, and every missing, duplicate or unexpected delivery (which fail
 * the run). At the levels of BENCH_SUB_HTTP_LEVELS (1000) the same is run again over each HTTP transport of
 * BENCH_SUB_TRANSPORTS (graphql-ws,multipart,sse): one HTTP connection per subscriber, Apollo's multipart protocol
 * or GraphQL over SSE (distinct connections mode), parsed by hand as the WebSocket clients are. Before the levels,
 * the loopback write floor (write-floor.ts): the kernel's CPU per plain TCP write on this machine, against which
 * the gateway's CPU per delivery is given.
 */
import { fixed } from './format';
import { benchPool } from './http';
import { aborted } from './load';
import { openFilesLimit } from './proc';
import {
  SUB_DRAIN_SECONDS,
  SUB_HTTP_LEVELS,
  SUB_LEVELS,
  SUB_PER_SELECTION,
  SUB_RATE,
  SUB_SECONDS,
  SUB_TRANSPORTS,
  SUB_WARMUP_SECONDS,
  type SubTransport,
} from './settings';
import { type SubscriberLevel, subscriberLevel } from './subscriber-level';
import { subscriberSelection } from './subscriber-selections';
import { SUB_MAX_PAYMENTS_IN_FLIGHT } from './subscriber-stream';
import type { System } from './system';
import { type WriteFloor, writeFloor } from './write-floor';

/** The size of the writes of the loopback floor: about a delivery's (a `next` message of the selections here). */
const SUB_FLOOR_BYTES = 600;

/** The acceptance targets of the subscriber benchmark (stated for 10,000 subscribers). */
const SUB_P99_TARGET_MS = 100;
const SUB_RSS_TARGET_MB = 250;

const SUB_CLIENT_KIND: Record<SubTransport, string> = {
  'graphql-ws': 'graphql-transport-ws',
  multipart: 'multipart HTTP',
  sse: 'GraphQL over SSE (distinct connections)',
};

/** The subscriber settings, as the report gives them. */
export const SUB_SETTINGS = {
  levels: SUB_LEVELS,
  httpLevels: SUB_HTTP_LEVELS,
  transports: SUB_TRANSPORTS,
  perSelection: SUB_PER_SELECTION,
  paymentsPerSecond: SUB_RATE,
  seconds: SUB_SECONDS,
  warmupSeconds: SUB_WARMUP_SECONDS,
  drainSeconds: SUB_DRAIN_SECONDS,
};

/**
 * The subscriber part: SUB_LEVELS in turn (1,000 then 10,000 by default) on the same gateway, each connected,
 * measured and closed before the next.
 */
export async function subscriberBench(sys: System): Promise<{ report: Record<string, unknown>; failed: boolean }> {
  const pool = benchPool(sys, sys.gatewayUrl, SUB_MAX_PAYMENTS_IN_FLIGHT);
  const limit = openFilesLimit();
  const levels: Array<SubscriberLevel | { transport: SubTransport; subscribers: number; skipped: string }> = [];
  const runs = SUB_LEVELS.flatMap((count) =>
    SUB_TRANSPORTS.filter((transport) => transport === 'graphql-ws' || SUB_HTTP_LEVELS.includes(count)).map(
      (transport) => ({ count, transport }),
    ),
  );
  // The kernel's own cost of a loopback write, at the largest level, measured before any level (the system idle).
  const floorSockets = Math.max(...SUB_LEVELS);
  let floor: WriteFloor | null = null;
  if (limit === null || limit >= floorSockets + 1024) {
    floor = await writeFloor(floorSockets, SUB_FLOOR_BYTES);
    console.log(
      `\nsubscribers: loopback write floor ${fixed(floor.cpuUsPerWrite, 1)} us of CPU per write (${floor.sockets} ` +
        `plain TCP sockets, ${floor.bytes} bytes each, median of ${floor.rounds} rounds; a round ${fixed(floor.roundMs, 0)} ms)`,
    );
  }
  for (const { count, transport } of runs) {
    // This process holds a socket per subscriber and so does the gateway (which inherits this limit).
    if (limit !== null && limit < count + 1024) {
      const skipped = `the open-files limit (ulimit -n) is ${limit}; ${count} subscribers need about ${count + 1024}`;
      console.log(`\nsubscribers ${count} (${transport}): SKIPPED, ${skipped}`);
      levels.push({ transport, subscribers: count, skipped });
      continue;
    }
    const groups = Math.ceil(count / SUB_PER_SELECTION);
    console.log(
      `\nsubscribers: ${count} ${SUB_CLIENT_KIND[transport]} clients, ${groups} distinct selections, payments at ` +
        `${SUB_RATE}/s: ` +
        `${SUB_WARMUP_SECONDS} s warm-up, then ${SUB_SECONDS} s measured...`,
    );
    const level = await subscriberLevel(sys, pool, count, transport);
    aborted.signal.throwIfAborted();
    levels.push(level);
    const f = (n: number | null, digits = 1) => fixed(n, digits);
    console.log(
      `  connected in ${f(level.connectSeconds)} s (gateway CPU ${f(level.connectCpuMs.gateway, 0)} ms, clients ` +
        `${f(level.connectCpuMs.client, 0)} ms); ${level.payments} payments at ${f(level.paymentsPerSecond, 2)}/s ` +
        `over ${f(level.seconds)} s; latency p50 ${f(level.p50Ms)} ms, p99 ${f(level.p99Ms)} ms, max ${f(level.maxMs)} ms; ` +
        `per event, last delivery p50 ${f(level.lastDeliveryP50Ms)} ms, p99 ${f(level.lastDeliveryP99Ms)} ms`,
    );
    console.log(
      `  gateway CPU ${f(level.cpuMs.gateway, 0)} ms (${f(level.gatewayCpuUsPerDelivery, 1)} us per delivery), ` +
        `subgraphs ${f(level.cpuMs.subgraphs, 0)} ms, PostgreSQL ${f(level.cpuMs.postgres, 0)} ms, clients (this ` +
        `process) ${f(level.cpuMs.client, 0)} ms, box busy ${f(level.cpuMs.machineBusyPercent, 0)} % (others ${f(level.cpuMs.othersPercent, 0)} %); client event ` +
        `loop delay p99 ${f(level.clientEventLoopDelayMs.p99)} ms, max ${f(level.clientEventLoopDelayMs.max)} ms; ` +
        `client RSS ${f(level.client.rssMb, 0)} MB, GC ${level.client.gcPauses} pauses, ${f(level.client.gcPauseMsTotal, 0)} ms, ` +
        `longest ${f(level.client.gcPauseMsMax)} ms`,
    );
    if (level.messageErrors || level.subscriptionsEnded || level.paymentFailures) {
      console.log(
        `  errors: ${level.messageErrors} messages (first: ${level.firstMessageError ?? '-'}), ` +
          `${level.subscriptionsEnded} subscriptions ended early, ${level.paymentFailures} payments failed ` +
          `(first: ${level.firstPaymentError ?? '-'})`,
      );
    }
  }

  // One line per figure, as for the other parts.
  console.log('');
  for (const level of levels) {
    if ('skipped' in level) {
      console.log(`bench: subscribers ${level.subscribers} ${level.transport} SKIPPED (${level.skipped})`);
      continue;
    }
    const tag = `bench: subscribers ${level.subscribers} ${level.transport} (${level.selections} selections, ${level.paymentsPerSecond.toFixed(1)} payments/s)`;
    const over = (value: number | null, target: number) => (value === null || !(value < target) ? ' OVER TARGET' : '');
    console.log(
      `${tag} delivery latency p50 ${level.p50Ms.toFixed(1)} ms, p99 ${level.p99Ms.toFixed(1)} ms ` +
        `(target p99 < ${SUB_P99_TARGET_MS})${over(level.p99Ms, SUB_P99_TARGET_MS)}`,
    );
    console.log(
      `${tag} gateway RSS peak ${level.gatewayRssMb.peak?.toFixed(0) ?? '-'} MB (before ` +
        `${level.gatewayRssMb.before?.toFixed(0) ?? '-'} MB; V8 heap ${level.gatewayHeapMb.used.toFixed(0)} MB used ` +
        `of ${level.gatewayHeapMb.total.toFixed(0)}, external ${level.gatewayHeapMb.external.toFixed(0)} MB; ` +
        `target < ${SUB_RSS_TARGET_MB})` +
        over(level.gatewayRssMb.peak, SUB_RSS_TARGET_MB),
    );
    const upstreamsOk = level.upstreams.gateway === level.selections && level.upstreams.gatewayAfterClose === 0;
    console.log(
      `${tag} upstream streams ${level.upstreams.gateway} (target ${level.selections}; payments subgraph holds ` +
        `${level.upstreams.paymentsSubgraph}; ${level.upstreams.gatewayAfterClose} after all closed)` +
        (upstreamsOk ? '' : ' FAILED'),
    );
    if (floor) {
      // Deliveries per event, so the floor of one event: what its writes alone cost one core.
      const perEvent = level.payments ? level.deliveries.expected / level.payments : 0;
      console.log(
        `${tag} gateway CPU ${level.gatewayCpuUsPerDelivery.toFixed(1)} us per delivery, ` +
          `${(level.gatewayCpuUsPerDelivery / floor.cpuUsPerWrite).toFixed(2)} x the loopback write floor ` +
          `(${floor.cpuUsPerWrite.toFixed(1)} us); an event's ${perEvent.toFixed(0)} writes alone take ` +
          `${((perEvent * floor.cpuUsPerWrite) / 1000).toFixed(0)} ms of one core`,
      );
    }
    const d = level.deliveries;
    const wrong = d.missing + d.duplicates + d.unexpected + level.warmup.missing + level.messageErrors;
    console.log(
      `${tag} deliveries ${d.delivered} of ${d.expected}: ${d.missing} missing, ${d.duplicates} duplicates, ` +
        `${d.unexpected} unexpected, ${level.messageErrors} errors (target 0)${wrong ? ' FAILED' : ''}`,
    );
  }
  return {
    failed: levels.some((level) => 'failed' in level && level.failed),
    report: {
      measurement:
        'each level: N graphql-transport-ws clients (raw ws, one WebSocket each; at BENCH_SUB_HTTP_LEVELS also N ' +
        'multipart HTTP and N SSE clients, one HTTP connection each) in the bench process subscribe to paymentEvents ' +
        `through the gateway (its own process), one selection per ${SUB_PER_SELECTION} subscribers (filters and ` +
        'fields vary; every 4th selection also reads the order and its location from the orders subgraph); a ' +
        'warm-up stream, then createPayment through the gateway at a steady rate (open-loop) over pre-made orders at ' +
        'locations 1 and 2; latency = receipt (Date.now()) - the event occurredAt (taken in the payment transaction ' +
        'before commit, so an upper bound of commit-to-client), over every (event, subscriber) delivery; gateway RSS ' +
        'from /proc/<pid>/status VmRSS sampled every 100 ms; upstream streams from the gateway /metrics ' +
        '(gateway_upstream_subscriptions) and the payments subgraph graphql_open_subscriptions',
      targets: { p99Ms: SUB_P99_TARGET_MS, rssMb: SUB_RSS_TARGET_MB },
      writeFloor: floor,
      openFilesLimit: limit,
      // Every distinct selection of the largest level (the smaller levels use the first of them).
      selections: Array.from({ length: Math.ceil(Math.max(...SUB_LEVELS) / SUB_PER_SELECTION) }, (_, g) => {
        const s = subscriberSelection(g);
        return { document: s.document, variables: s.variables };
      }),
      levels,
    },
  };
}
