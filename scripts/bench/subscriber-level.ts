/**
 * One level of the subscribers part: that many subscribers connected, a warm-up stream, the measured stream of
 * payments and a drain, then every delivery tallied against what each selection should have received, and the
 * subscribers closed.
 */
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Pool } from 'undici';
import { inBatches, percentile, sleep, until } from './load';
import { type CpuBreakdown, rssMb, sampleRss, withCpu } from './proc';
import {
  SUB_DRAIN_SECONDS,
  SUB_PER_SELECTION,
  SUB_RATE,
  SUB_SECONDS,
  SUB_WARMUP_SECONDS,
  type SubTransport,
} from './settings';
import { type Subscriber, deliveries, openHttpSubscriber, openSubscriber } from './subscriber-clients';
import { SUB_LOCATIONS, matches, subscriberSelection } from './subscriber-selections';
import { type StreamPayment, paymentStream, streamOrders } from './subscriber-stream';
import { type System, metricValue } from './system';

/** Subscribers opening their connection at the same time while a level connects. */
const SUB_CONNECT_CONCURRENCY = 100;

export interface SubscriberLevel {
  transport: SubTransport;
  subscribers: number;
  selections: number;
  crossSubgraphSelections: number;
  connectSeconds: number;
  /** CPU ms spent while the level connected: the gateway's, and this process's (the clients). */
  connectCpuMs: { gateway: number; client: number };
  paymentsPerSecond: number;
  payments: number;
  paymentFailures: number;
  firstPaymentError: string | null;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Per event, the latency of its last delivery: p50 and p99 over the events. */
  lastDeliveryP50Ms: number;
  lastDeliveryP99Ms: number;
  deliveries: { expected: number; delivered: number; missing: number; duplicates: number; unexpected: number };
  warmup: { payments: number; expected: number; missing: number };
  messageErrors: number;
  firstMessageError: string | null;
  subscriptionsEnded: number;
  gatewayRssMb: { before: number | null; peak: number | null; afterClose: number | null };
  /** The gateway's V8 heap (used and total) and external memory after the stream, all subscribers still open. */
  gatewayHeapMb: { used: number; total: number; external: number };
  upstreams: {
    gateway: number;
    paymentsSubgraph: number;
    gatewayClientSubscriptions: number;
    gatewayAfterClose: number;
  };
  cpuMs: CpuBreakdown;
  gatewayCpuUsPerDelivery: number;
  clientEventLoopDelayMs: { p50: number; p99: number; max: number };
  /** This process (the clients): its RSS at the end of the measured stream, and its GC pauses during it. */
  client: { rssMb: number; gcPauses: number; gcPauseMsTotal: number; gcPauseMsMax: number };
  failed: boolean;
}

/**
 * One level: `count` subscribers (a graphql-transport-ws WebSocket each, in this process; the gateway runs in
 * its own), one selection per SUB_PER_SELECTION of them; a warm-up stream, then the measured stream of payments,
 * then a drain until every expected delivery is in (or SUB_DRAIN_SECONDS pass). Latency is receipt minus the
 * event's occurredAt: both are this machine's clock, and occurredAt is taken in the payment's transaction just
 * before the outbox row is flushed and committed, so it is an upper bound of the time from commit to client.
 */
export async function subscriberLevel(
  sys: System,
  pool: Pool,
  count: number,
  transport: SubTransport,
): Promise<SubscriberLevel> {
  const gatewayPort = Number(new URL(sys.gatewayUrl).port);
  const paymentsPort = sys.subgraphSpecs.find((s) => s.name === 'payments')!.port;
  const groups = Math.ceil(count / SUB_PER_SELECTION);
  const selections = Array.from({ length: groups }, (_, g) => subscriberSelection(g));
  const warmupCount = Math.max(SUB_LOCATIONS.length, Math.round(SUB_RATE * SUB_WARMUP_SECONDS));
  const measuredCount = Math.max(1, Math.round(SUB_RATE * SUB_SECONDS));
  const orders = await streamOrders(pool, sys.token, warmupCount + measuredCount);

  const rssBefore = rssMb(sys.pids.gateway);
  const stopRss = sampleRss(sys.pids.gateway);
  const subscribers: Subscriber[] = new Array<Subscriber>(count);
  const wsUrl = `${sys.gatewayUrl.replace(/^http/, 'ws')}/graphql`;
  const connectStarted = performance.now();
  try {
    const { cpu: connectCpu } = await withCpu(sys.pids, async () => {
      await inBatches(count, SUB_CONNECT_CONCURRENCY, async (i) => {
        const selection = selections[Math.floor(i / SUB_PER_SELECTION)];
        subscribers[i] =
          transport === 'graphql-ws'
            ? await openSubscriber(wsUrl, sys.token, selection)
            : await openHttpSubscriber(`${sys.gatewayUrl}/graphql`, sys.token, selection, transport);
      });
      // Every subscription open at the gateway and every upstream one registered by the payments subgraph. Polled
      // once a second: with thousands of sockets open a scrape of the gateway's /metrics costs it ~10 ms (the
      // default process metrics list every open file and handle).
      const live = await until(
        async () =>
          (await metricValue(gatewayPort, 'graphql_open_subscriptions')) === count &&
          (await metricValue(paymentsPort, 'graphql_open_subscriptions')) >= groups,
        30_000,
        1000,
      );
      if (!live) throw new Error(`the ${count} subscriptions were not all open after 30 s`);
    });
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    const upstreams = {
      gateway: await metricValue(gatewayPort, 'gateway_upstream_subscriptions'),
      paymentsSubgraph: await metricValue(paymentsPort, 'graphql_open_subscriptions'),
      gatewayClientSubscriptions: await metricValue(gatewayPort, 'graphql_open_subscriptions'),
      gatewayAfterClose: NaN,
    };
    // The payments subgraph counts a subscription when it arrives, a moment before its hub listens.
    await sleep(500);

    const expectedFor = (payments: StreamPayment[]) =>
      payments.reduce((n, p) => n + subscribers.filter((s) => matches(s.selection, p.locationId)).length, 0);
    const drain = (target: number) =>
      until(() => deliveries.total >= target, SUB_DRAIN_SECONDS * 1000, 50).then(() => sleep(250));

    const before = deliveries.total;
    const warm = await paymentStream(pool, sys.token, orders.slice(0, warmupCount), SUB_RATE);
    const warmExpected = expectedFor(warm.payments);
    await drain(before + warmExpected);

    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const gc = { pauses: 0, totalMs: 0, maxMs: 0 };
    const gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        gc.pauses++;
        gc.totalMs += entry.duration;
        gc.maxMs = Math.max(gc.maxMs, entry.duration);
      }
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    const measuredFrom = deliveries.total;
    const { result: stream, cpu } = await withCpu(sys.pids, async () => {
      const run = await paymentStream(pool, sys.token, orders.slice(warmupCount), SUB_RATE);
      await drain(measuredFrom + expectedFor(run.payments));
      return run;
    });
    loopDelay.disable();
    gcObserver.disconnect();
    const clientRssMb = process.memoryUsage.rss() / 2 ** 20;

    const mb = async (name: string) => (await metricValue(gatewayPort, name)) / 2 ** 20;
    const gatewayHeapMb = {
      used: await mb('nodejs_heap_size_used_bytes'),
      total: await mb('nodejs_heap_size_total_bytes'),
      external: await mb('nodejs_external_memory_bytes'),
    };

    // Tally: every subscriber must have every matching measured event once and nothing else of the run.
    const measured = new Map(stream.payments.map((p) => [p.id, p]));
    const warmIds = new Set(warm.payments.map((p) => p.id));
    const tally = { expected: 0, delivered: 0, missing: 0, duplicates: 0, unexpected: 0 };
    let warmMissing = 0;
    const latencies: number[] = [];
    const lastPerEvent = new Map<string, number>();
    for (const s of subscribers) {
      const seen = new Set<string>();
      const seenWarm = new Set<string>();
      for (const [k, eventId] of s.eventIds.entries()) {
        const payment = measured.get(s.paymentIds[k]);
        if (!payment) {
          if (warmIds.has(s.paymentIds[k])) seenWarm.add(s.paymentIds[k]);
          else tally.unexpected++;
          continue;
        }
        if (seen.has(eventId)) {
          tally.duplicates++;
          continue;
        }
        seen.add(eventId);
        if (!matches(s.selection, payment.locationId)) {
          tally.unexpected++;
          continue;
        }
        tally.delivered++;
        latencies.push(s.latencies[k]);
        lastPerEvent.set(eventId, Math.max(lastPerEvent.get(eventId) ?? -Infinity, s.latencies[k]));
      }
      const expected = stream.payments.filter((p) => matches(s.selection, p.locationId)).length;
      tally.expected += expected;
      warmMissing += warm.payments.filter((p) => matches(s.selection, p.locationId)).length - seenWarm.size;
    }
    tally.missing = tally.expected - tally.delivered;
    latencies.sort((a, b) => a - b);
    const last = [...lastPerEvent.values()].sort((a, b) => a - b);

    // Close every subscriber: the gateway must let go of every upstream stream.
    for (const s of subscribers) s.closing = true;
    await Promise.all(subscribers.map((s) => s.close()));
    await until(async () => (await metricValue(gatewayPort, 'gateway_upstream_subscriptions')) === 0, 10_000, 500);
    upstreams.gatewayAfterClose = await metricValue(gatewayPort, 'gateway_upstream_subscriptions');
    const rss = stopRss();

    const messageErrors = subscribers.reduce((n, s) => n + s.errors, 0);
    const ended = subscribers.filter((s) => s.ended).length;
    const delivered = tally.delivered + tally.duplicates + tally.unexpected;
    const ms = (ns: number) => ns / 1e6;
    const level: SubscriberLevel = {
      transport,
      subscribers: count,
      selections: groups,
      crossSubgraphSelections: selections.filter((s) => s.crossSubgraph).length,
      connectSeconds,
      connectCpuMs: { gateway: connectCpu.gateway, client: connectCpu.client },
      paymentsPerSecond: stream.payments.length / stream.seconds,
      payments: stream.payments.length,
      paymentFailures: stream.failures + warm.failures,
      firstPaymentError: stream.firstError ?? warm.firstError,
      seconds: stream.seconds,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      maxMs: latencies.length ? latencies[latencies.length - 1] : NaN,
      lastDeliveryP50Ms: percentile(last, 0.5),
      lastDeliveryP99Ms: percentile(last, 0.99),
      deliveries: tally,
      warmup: { payments: warm.payments.length, expected: warmExpected, missing: warmMissing },
      messageErrors,
      firstMessageError: subscribers.find((s) => s.firstError)?.firstError ?? null,
      subscriptionsEnded: ended,
      gatewayRssMb: { before: rssBefore, peak: rss.peakMb, afterClose: rss.lastMb },
      gatewayHeapMb,
      upstreams,
      cpuMs: cpu,
      gatewayCpuUsPerDelivery: delivered ? (1000 * cpu.gateway) / delivered : NaN,
      clientEventLoopDelayMs: {
        p50: ms(loopDelay.percentile(50)),
        p99: ms(loopDelay.percentile(99)),
        max: ms(loopDelay.max),
      },
      client: { rssMb: clientRssMb, gcPauses: gc.pauses, gcPauseMsTotal: gc.totalMs, gcPauseMsMax: gc.maxMs },
      failed: false,
    };
    level.failed =
      tally.missing > 0 ||
      tally.duplicates > 0 ||
      tally.unexpected > 0 ||
      warmMissing > 0 ||
      messageErrors > 0 ||
      ended > 0 ||
      level.paymentFailures > 0 ||
      upstreams.gateway !== groups ||
      upstreams.gatewayAfterClose !== 0;
    return level;
  } finally {
    stopRss();
    const open = subscribers.filter((s) => s && !s.closing);
    for (const s of open) s.closing = true;
    await Promise.all(open.map((s) => s.close().catch(() => undefined)));
  }
}
