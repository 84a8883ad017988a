/**
 * `pnpm bench`: starts a throwaway system (system.ts) and measures it, in the same run, in four parts:
 *
 * - queries (queries.ts): one federated query through the gateway against the same data fetched from the subgraphs
 *   directly (federated-query.ts, direct-client.ts); then the REST facade against the GraphQL operation each REST
 *   route runs (rest-vs-graphql.ts): the order read and creation (rest-pairs.ts), the check read and payment of the
 *   mobile routes (mobile-checks.ts) and the loyalty earn (loyalty-earn.ts).
 * - peer (peer.ts): our gateway against @graphql-hive/gateway on the same subgraphs (peer-gateways.ts), reads
 *   (peer-reads.ts) and a mutation (peer-mutations.ts), and the wide read against the same subgraph requests sent
 *   directly (peer-direct.ts).
 * - writes (writes.ts): paying a check over REST against a plain pg loop sending the same SQL (writes-sql.ts).
 * - subscribers (subscribers.ts): payment events through the gateway to many graphql-transport-ws, multipart and
 *   SSE clients (subscriber-*.ts).
 * - outbox (outbox.ts): concurrent payment event writers across partners, the service's writer against plain SQL
 *   with the per-partner lock and with the one lock events were written under before, on a durable PostgreSQL of
 *   its own.
 *
 * BENCH_ONLY=queries,peer,writes,subscribers,outbox (any of them) runs those parts alone; BENCH_SMOKE=1 is the CI smoke.
 * Prints req/s, p50 and p99 for every target, the ratios, and the CPU each process spent per request; writes the
 * same to .bench/latest.json. The other settings (BENCH_SECONDS, BENCH_CONNECTIONS, …) are in settings.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../launcher';
import { gatewayPlan } from './direct-client';
import { benchPool } from './http';
import { aborted } from './load';
import { peerBench } from './peer';
import { outboxBench } from './outbox';
import { queryBench } from './queries';
import {
  CHECK_SECONDS,
  CHECK_WARMUP_SECONDS,
  CONNECTIONS,
  LOYALTY_SECONDS,
  LOYALTY_WARMUP_SECONDS,
  ORDERS,
  PAY_SECONDS,
  PAY_WARMUP_SECONDS,
  SECONDS,
  WARMUP_SECONDS,
} from './settings';
import { SUB_SETTINGS, subscriberBench } from './subscribers';
import { BENCH_LIMITS, type Stack, startSystem, stopStack } from './system';
import { writeBench } from './writes';

/**
 * The parts of the bench, all by default; BENCH_ONLY=peer,writes (any of them, comma-separated) runs those alone.
 * BENCH_SMOKE=1 (`pnpm bench:smoke`) runs the peer and write parts for about a second per side, to check that the
 * bench still runs (in CI, after the tests): its figures mean nothing, only its errors fail it.
 */
const PART_NAMES = ['queries', 'peer', 'writes', 'subscribers', 'outbox'];
/** The parts that measure the running system (the outbox part starts a PostgreSQL of its own). */
const SYSTEM_PARTS = ['queries', 'peer', 'writes', 'subscribers'];
const SMOKE = process.env.BENCH_SMOKE === '1' || process.env.BENCH_SMOKE === 'true';
const PARTS = (() => {
  const raw = process.env.BENCH_ONLY?.trim() || (SMOKE ? 'peer,writes' : '');
  if (!raw) return new Set(PART_NAMES);
  const parts = raw.split(',').map((part) => part.trim());
  const unknown = parts.filter((part) => !PART_NAMES.includes(part));
  if (unknown.length) throw new Error(`BENCH_ONLY takes ${PART_NAMES.join(', ')} (comma-separated), got ${raw}`);
  return new Set(parts);
})();

async function main() {
  const started = Date.now();
  const stack: Stack = { children: [], clients: [], pg: null };
  let stopping = false;

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await stopStack(stack);
    if (code !== 0) console.log('Stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => {
    console.log('\nInterrupted; stopping...');
    void stop(130);
  });
  process.on('SIGTERM', () => void stop(143));

  try {
    const supergraphSdl = fs.readFileSync(
      path.resolve(ROOT, process.env.SUPERGRAPH_PATH ?? 'schema/supergraph.graphql'),
      'utf8',
    );
    const plan = gatewayPlan(supergraphSdl);
    const onExit = (message: string) => {
      if (stopping) return;
      console.error(`${message} unexpectedly; stopping everything.`);
      void stop(1);
    };
    const sys = SYSTEM_PARTS.some((part) => PARTS.has(part))
      ? await startSystem(stack, { supergraphSdl, started, onExit })
      : null;

    const outDir = path.join(ROOT, '.bench');
    fs.mkdirSync(outDir, { recursive: true });
    const report: Record<string, unknown> = {
      date: new Date().toISOString(),
      machine: {
        node: process.version,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? null,
        platform: process.platform,
      },
      parts: [...PARTS],
      settings: {
        seconds: SECONDS,
        warmupSeconds: WARMUP_SECONDS,
        checkReadSeconds: CHECK_SECONDS,
        checkReadWarmupSeconds: CHECK_WARMUP_SECONDS,
        limits: BENCH_LIMITS,
        paySeconds: PAY_SECONDS,
        payWarmupSeconds: PAY_WARMUP_SECONDS,
        loyaltySeconds: LOYALTY_SECONDS,
        loyaltyWarmupSeconds: LOYALTY_WARMUP_SECONDS,
        connections: CONNECTIONS,
        ordersCreated: ORDERS,
        subscribers: SUB_SETTINGS,
      },
    };
    let failed = false;
    if (sys && PARTS.has('queries')) {
      const queries = await queryBench(sys, plan);
      Object.assign(report, queries.report);
      failed ||= queries.failed;
    }
    if (sys && PARTS.has('peer')) {
      const peer = await peerBench(sys, { smoke: SMOKE });
      report.peer = peer.report;
      failed ||= peer.failed;
    }
    if (sys && PARTS.has('writes')) {
      const writes = await writeBench(sys, benchPool(sys, sys.gatewayUrl), { smoke: SMOKE });
      report.writes = writes.report;
      failed ||= writes.failed;
    }
    if (sys && PARTS.has('subscribers')) {
      const subscribers = await subscriberBench(sys);
      report.subscribers = subscribers.report;
      failed ||= subscribers.failed;
    }
    if (PARTS.has('outbox')) {
      const outbox = await outboxBench({ smoke: SMOKE });
      report.outbox = outbox.report;
      failed ||= outbox.failed;
    }
    fs.writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`Written to .bench/latest.json (total ${((Date.now() - started) / 1000).toFixed(1)} s).`);
    await stop(failed ? 1 : 0);
  } catch (error) {
    if (!aborted.signal.aborted)
      console.error(`Bench failed: ${error instanceof Error ? error.message : String(error)}`);
    await stop(1);
  }
}

void main();
