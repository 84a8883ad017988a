/**
 * Load, on real processes (system.ts): LOAD_SUBSCRIBERS (1,000) graphql-ws subscribers on the gateway
 * while mixed traffic runs for LOAD_SECONDS (300) at a steady, modest rate for this two-core machine (about 9
 * requests a second; LOAD_RATE scales it): REST and GraphQL reads, orders and payments over REST and GraphQL (some
 * declined by the sandbox's decline tokens), refunds, loyalty earns and redemptions, and a few requests refused on
 * purpose (an amount above what is due, a refund above what is refundable, an empty balance, a PIN gate), plus
 * another partner's payments that no subscriber here may see. Run by `pnpm test:reliability`, not `pnpm test`.
 *
 * It proves:
 * - every answer is what its request expects: success, or the business outcome it provoked (a decline is a 201
 *   with status declined; 422 amount rules; loyalty 412/422); nothing else, no timeout;
 * - no memory growth trend in any service: its heap after a full collection, every LOAD_HEAP_SAMPLE_SECONDS (see
 *   memoryTrend; RSS, every LOAD_SAMPLE_SECONDS, is reported);
 * - every payment event the outbox committed for the partner reaches every subscriber whose filter matches it,
 *   exactly once and in outbox order, and nothing else does (compared with the outbox after a drain).
 * It prints a verdict line first (which of these failed, so a truncated log still says), then requests by kind with
 * rates and p50/p99 latencies, the heap and RSS series summaries and the deliveries.
 */
import { randomUUID } from 'node:crypto';
import { paymentEventTypeName } from '@pos/kit';
import { type Answer, type SlowSystem, call, openSubscriber, restApi, serviceMetric, startSlowSystem } from './system';
import { until } from '@pos/testing';

const LOAD_SECONDS = Number(process.env.LOAD_SECONDS ?? 300);
const SUBSCRIBERS = Number(process.env.LOAD_SUBSCRIBERS ?? 1000);
/** Multiplies every rate below (1: about 9 requests a second in all). */
const RATE = Number(process.env.LOAD_RATE ?? 1);
/** RSS is read this often (reported); the heap after a full collection (asserted) every HEAP_SAMPLE_SECONDS. */
const SAMPLE_SECONDS = Number(process.env.LOAD_SAMPLE_SECONDS ?? 5);
const HEAP_SAMPLE_SECONDS = Number(process.env.LOAD_HEAP_SAMPLE_SECONDS ?? 15);
const CLIENT_TIMEOUT_MS = 15_000;
/** Requests in flight at most; the load is open-loop below that, so a slow system shows as latency, not as less load. */
const MAX_IN_FLIGHT = 32;
/** Memory samples before this are the warm-up (caches filling, JIT, pools growing): 60 s, or a fifth of a short run. */
const WARMUP_SECONDS = Math.min(60, LOAD_SECONDS / 5);
/**
 * The growth a service may show over the measured window, as projected by the least-squares line through its heap
 * after full collections (V8 heap used plus external memory): 10% of its median there, and at least 8 MiB (requests
 * and deliveries in flight at a sample, caches filling to their bounds). A leak of 100 bytes per event delivery
 * alone would be ~40 MB over the default run. RSS is not the criterion: it moves by 10-50 MB with collections and
 * glibc trimming its arenas, without a trend, so a line through it crossed a 16 MiB allowance by chance.
 */
const GROWTH_FRACTION = 0.1;
const GROWTH_FLOOR_BYTES = 8 * 1024 * 1024;

interface Selection {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  accepts(event: { type: string; locationId: number | null }): boolean;
}

const FIELDS = 'id cursor type locationId payload { paymentId }';
const SELECTIONS: Selection[] = [
  { name: 'all', query: `subscription { paymentEvents { ${FIELDS} } }`, accepts: () => true },
  {
    name: 'location 1',
    query: `subscription($l: [ID!]) { paymentEvents(locationIds: $l) { ${FIELDS} } }`,
    variables: { l: ['1'] },
    accepts: (e) => e.locationId === 1,
  },
  {
    name: 'location 2',
    query: `subscription($l: [ID!]) { paymentEvents(locationIds: $l) { ${FIELDS} } }`,
    variables: { l: ['2'] },
    accepts: (e) => e.locationId === 2,
  },
  {
    name: 'approved',
    query: `subscription($t: [PaymentEventType!]) { paymentEvents(types: $t) { ${FIELDS} } }`,
    variables: { t: ['PAYMENT_APPROVED'] },
    accepts: (e) => e.type === 'PAYMENT_APPROVED',
  },
  {
    // Fields of the orders subgraph on every event: the gateway resolves the rest of the plan per event.
    name: 'with order',
    query: `subscription { paymentEvents { ${FIELDS} payment { order { number } } } }`,
    accepts: () => true,
  },
];

interface Outcome {
  kind: string;
  status: number;
  ms: number;
  at: number;
  /** Why the answer is not what the request expects; undefined when it is. */
  unexpected?: string;
}

/** A request kind: how often, and what it sends and expects (undefined: as expected; otherwise why not). */
interface Kind {
  name: string;
  perSecond: number;
  run(): Promise<{ answer: Answer; unexpected?: string }>;
}

describe(`load: ${SUBSCRIBERS} subscribers and mixed traffic for ${LOAD_SECONDS} s (real processes)`, () => {
  let sys: SlowSystem;

  beforeAll(async () => {
    sys = await startSlowSystem({ NODE_ENV: 'production' });
  }, 120_000);

  afterAll(async () => {
    await sys?.close();
  }, 60_000);

  it(
    'answers as expected, keeps memory flat and delivers every committed event to every subscriber once',
    async () => {
      const token = await sys.token();
      const otherToken = await sys.token('other-partner', 'other-secret');
      const api = restApi(sys.origin, token, CLIENT_TIMEOUT_MS);
      const other = restApi(sys.origin, otherToken, CLIENT_TIMEOUT_MS);

      // Subscribers: SELECTIONS in turn, connected 50 at a time.
      const wsUrl = `ws://127.0.0.1:${sys.base}/graphql`;
      let threshold = Number.POSITIVE_INFINITY;
      const groups = SELECTIONS.map((selection) => ({
        selection,
        members: [] as Array<{ firstSeq: number; early: number[]; count: number; wrong: number }>,
        /** Deliveries per outbox sequence, after the threshold. */
        deliveries: new Map<number, number>(),
      }));
      const subscribers: Awaited<ReturnType<typeof openSubscriber>>[] = [];
      const connectStarted = Date.now();
      for (let i = 0; i < SUBSCRIBERS; i += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, SUBSCRIBERS - i) }, async (_, j) => {
            const group = groups[(i + j) % groups.length];
            const member = { firstSeq: 0, early: [] as number[], count: 0, wrong: 0 };
            group.members.push(member);
            subscribers.push(
              await openSubscriber(wsUrl, token, {
                query: group.selection.query,
                variables: group.selection.variables,
                keep: false,
                onEvent: (event, data) => {
                  member.firstSeq ||= event.seq;
                  // Before the threshold is known, only remembered: counted below if it is past the threshold.
                  if (threshold === Number.POSITIVE_INFINITY) return void member.early.push(event.seq);
                  if (event.seq <= threshold) return;
                  member.count++;
                  const locationId = event.locationId === null ? null : Number(event.locationId);
                  if (!group.selection.accepts({ type: event.type, locationId })) member.wrong++;
                  if (group.selection.name === 'with order' && !data.payment?.order?.number) member.wrong++;
                  group.deliveries.set(event.seq, (group.deliveries.get(event.seq) ?? 0) + 1);
                },
              }),
            );
          }),
        );
      }
      const connectMs = Date.now() - connectStarted;
      // Live: a subscriber is live once it has an event; payments at both locations until every one has one. The
      // threshold is the newest first event: from there on every subscriber must see every event it matches.
      await until(
        async () => {
          for (const location of [1, 2]) await payNewOrder(api, location);
          return groups.every((g) => g.members.every((m) => m.firstSeq > 0));
        },
        'every subscriber to receive an event',
        60_000,
      );
      threshold = Math.max(...groups.flatMap((g) => g.members.map((m) => m.firstSeq)));
      for (const g of groups) {
        for (const m of g.members) {
          for (const seq of m.early.filter((s) => s > threshold)) {
            m.count++;
            g.deliveries.set(seq, (g.deliveries.get(seq) ?? 0) + 1);
          }
          m.early = [];
        }
      }
      const upstreams = await serviceMetric(sys.services.gateway.port, 'gateway_upstream_subscriptions');

      // Traffic.
      const orders: Array<{ id: string; location: number }> = [];
      const approved: Array<{ orderId: string; paymentId: string; refundable: number }> = [];
      const rememberPaid = (
        orderId: string,
        location: number,
        payment: { id: string; status: string },
        cents: number,
      ) => {
        orders.push({ id: orderId, location });
        if (payment.status === 'approved' || payment.status === 'APPROVED') {
          approved.push({ orderId, paymentId: payment.id, refundable: cents });
        }
      };
      const pick = <T>(items: T[]): T | undefined => items[Math.floor(Math.random() * items.length)];
      const expectStatus = (answer: Answer, status: number, check?: (body: any) => boolean) =>
        answer.status === status && (!check || check(answer.body))
          ? undefined
          : `expected ${status}, got ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
      // A mutation's refusal is a user error on its payload: as unexpected here as a top-level error.
      const refusedIn = (answer: Answer) =>
        Object.values(answer.body?.data ?? {}).some((payload: any) => payload?.userErrors?.length > 0);
      const graphqlOk = (answer: Answer) =>
        answer.status === 200 && !answer.body?.errors && !refusedIn(answer)
          ? undefined
          : `expected 200 without errors, got ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
      let earnSeq = 0;

      const kinds: Kind[] = [
        {
          // An order and its payment over REST: approved, or declined by a decline token (201, status declined).
          name: 'rest pay',
          perSecond: 1,
          run: async () => {
            const location = Math.random() < 0.5 ? 1 : 2;
            const cents = 500 + Math.floor(Math.random() * 5000);
            const order = await api.createOrder(randomUUID(), cents, location);
            if (order.status !== 201) return { answer: order, unexpected: expectStatus(order, 201) };
            const decline =
              Math.random() < 0.15 ? pick(['tok_decline', 'tok_insufficient_funds', 'tok_do_not_honor']) : null;
            const paid = await api.pay(order.body.id, randomUUID(), cents, decline ?? 'tok_visa');
            if (paid.status === 201) rememberPaid(order.body.id, location, paid.body, cents);
            return {
              answer: paid,
              unexpected: expectStatus(paid, 201, (b) => b.status === (decline ? 'declined' : 'approved')),
            };
          },
        },
        {
          // The same through GraphQL mutations.
          name: 'graphql pay',
          perSecond: 0.5,
          run: async () => {
            const location = Math.random() < 0.5 ? '1' : '2';
            const cents = 300 + Math.floor(Math.random() * 3000);
            const order = await api.graphql(
              `mutation($loc: ID!, $total: Int!) { createOrder(input: { locationId: $loc, currency: "USD", totalMinor: $total }) { order { id } } }`,
              { loc: location, total: cents },
            );
            if (graphqlOk(order)) return { answer: order, unexpected: graphqlOk(order) };
            const orderId = order.body.data.createOrder.order.id;
            const paid = await api.graphql(
              `mutation($id: ID!, $amount: Int!, $key: String) { createPayment(input: { orderId: $id, amountMinor: $amount, currency: "USD", cardToken: "tok_visa", idempotencyKey: $key }) { payment { id status } } }`,
              { id: orderId, amount: cents, key: randomUUID() },
            );
            if (!graphqlOk(paid)) {
              rememberPaid(orderId, Number(location), paid.body.data.createPayment.payment, cents);
            }
            return { answer: paid, unexpected: graphqlOk(paid) };
          },
        },
        {
          // Provoked: more than the order owes (422 amount_exceeds_due); nothing is charged.
          name: 'pay too much (422)',
          perSecond: 0.1,
          run: async () => {
            const order = await api.createOrder(randomUUID(), 400, 1);
            if (order.status !== 201) return { answer: order, unexpected: expectStatus(order, 201) };
            const paid = await api.pay(order.body.id, randomUUID(), 401);
            return { answer: paid, unexpected: expectStatus(paid, 422, (b) => b.code === 'amount_exceeds_due') };
          },
        },
        {
          name: 'refund',
          perSecond: 0.3,
          run: async () => {
            const payment = approved.find((p) => p.refundable >= 100);
            if (!payment) return { answer: { status: 0, body: null, ms: 0 }, unexpected: undefined };
            payment.refundable -= 100;
            const refund = await api.refund(payment.orderId, payment.paymentId, randomUUID(), 100);
            return { answer: refund, unexpected: expectStatus(refund, 201) };
          },
        },
        {
          // Provoked: more than is refundable (422 amount_exceeds_refundable).
          name: 'refund too much (422)',
          perSecond: 0.05,
          run: async () => {
            // Well above what the 100-cent refunds may take meanwhile, so it is still refundable (422, not 409).
            const payment = pick(approved.filter((p) => p.refundable >= 300));
            if (!payment) return { answer: { status: 0, body: null, ms: 0 }, unexpected: undefined };
            const refund = await api.refund(payment.orderId, payment.paymentId, randomUUID(), 1_000_000);
            return {
              answer: refund,
              unexpected: expectStatus(refund, 422, (b) => b.code === 'amount_exceeds_refundable'),
            };
          },
        },
        {
          name: 'rest read order',
          perSecond: 2,
          run: async () => {
            const order = pick(orders);
            if (!order) return { answer: { status: 0, body: null, ms: 0 }, unexpected: undefined };
            const read = await api.getOrder(order.id);
            return { answer: read, unexpected: expectStatus(read, 200, (b) => b.id === order.id) };
          },
        },
        {
          name: 'rest read locations',
          perSecond: 1,
          run: async () => {
            const read = await call(`${sys.origin}/pos/v1/locations`, {
              headers: { authorization: `Bearer ${token}` },
              timeoutMs: CLIENT_TIMEOUT_MS,
            });
            return { answer: read, unexpected: expectStatus(read, 200) };
          },
        },
        {
          // Across all four subgraphs: an order with its payments and loyalty transactions, the checks of the
          // locations and a loyalty customer (bounded: nothing here grows with the load).
          name: 'graphql read',
          perSecond: 2,
          run: async () => {
            const order = pick(orders);
            const read = await api.graphql(
              `query($id: ID!) { order(id: $id) { id number payments { nodes { id status amountCents } } loyaltyTransactions { nodes { id } } }
                 locations { nodes { name checks { nodes { posRef total { amountMinor } } } } } loyaltyCustomer(code: "482193") { points } }`,
              { id: order?.id ?? randomUUID() },
            );
            return { answer: read, unexpected: graphqlOk(read) };
          },
        },
        {
          name: 'rest read check (v2)',
          perSecond: 0.5,
          run: async () => {
            const read = await call(`${sys.origin}/pos/v2/1/checks/1-101`, {
              headers: { authorization: `Bearer ${token}` },
              timeoutMs: CLIENT_TIMEOUT_MS,
            });
            return { answer: read, unexpected: expectStatus(read, 200) };
          },
        },
        {
          name: 'loyalty earn',
          perSecond: 1,
          run: async () => {
            const stamps = Math.random() < 0.3;
            const earn = await call(`${sys.origin}/webhook/pos`, {
              headers: { 'x-api-key': 'demo-loyalty-standard' },
              body: {
                customer_code: pick([482193, 482194, 482195]),
                amount: stamps ? 1 + Math.floor(Math.random() * 5) : 5 + (++earnSeq % 50),
                card_type: stamps ? 'stamp' : 'point',
                external_id: randomUUID(),
              },
              timeoutMs: CLIENT_TIMEOUT_MS,
            });
            return { answer: earn, unexpected: expectStatus(earn, 200, (b) => typeof b.data?.points === 'number') };
          },
        },
        {
          name: 'loyalty redeem',
          perSecond: 0.3,
          run: async () => {
            const redeem = await call(`${sys.origin}/webhook/redeem`, {
              headers: { 'x-api-key': 'demo-loyalty-standard' },
              body: { customer_code: 482193, value: 1, card_type: 'point', external_id: randomUUID() },
              timeoutMs: CLIENT_TIMEOUT_MS,
            });
            return { answer: redeem, unexpected: expectStatus(redeem, 200) };
          },
        },
        {
          // Provoked: an empty stamp card cannot pay 1,000 stamps (422 insufficient_balance).
          name: 'loyalty redeem empty (422)',
          perSecond: 0.1,
          run: async () => {
            const redeem = await call(`${sys.origin}/webhook/redeem`, {
              headers: { 'x-api-key': 'demo-loyalty-standard' },
              body: { customer_code: 482195, value: 1000, card_type: 'stamp', external_id: randomUUID() },
              timeoutMs: CLIENT_TIMEOUT_MS,
            });
            return {
              answer: redeem,
              unexpected: expectStatus(redeem, 422, (b) => b.error === 'insufficient_balance'),
            };
          },
        },
        {
          // Provoked: the balanced preset asks for the customer's PIN to redeem (412 pin_required).
          name: 'loyalty PIN gate (412)',
          perSecond: 0.1,
          run: async () => {
            const redeem = await call(`${sys.origin}/webhook/redeem`, {
              headers: { 'x-api-key': 'demo-loyalty-balanced' },
              body: { customer_code: 582193, value: 1, card_type: 'point', external_id: randomUUID() },
              timeoutMs: CLIENT_TIMEOUT_MS,
            });
            return { answer: redeem, unexpected: expectStatus(redeem, 412, (b) => b.error === 'pin_required') };
          },
        },
        {
          // Another partner's payments: committed to the same outbox, seen by none of these subscribers.
          name: 'other partner pay',
          perSecond: 0.2,
          run: async () => {
            const order = await other.createOrder(randomUUID(), 900, 3);
            if (order.status !== 201) return { answer: order, unexpected: expectStatus(order, 201) };
            const paid = await other.pay(order.body.id, randomUUID(), 900);
            return { answer: paid, unexpected: expectStatus(paid, 201, (b) => b.status === 'approved') };
          },
        },
      ];

      // Memory: every service's RSS, and its heap after a full collection, sampled through the run.
      const names = Object.keys(sys.services);
      const rssSamples: Sample[] = [];
      const heapSamples: Sample[] = [];
      const at = () => (Date.now() - loadStarted) / 1000;
      const sample = () => rssSamples.push({ t: at(), bytes: Object.fromEntries(names.map((n) => [n, sys.rss(n)])) });
      let heapSampling: Promise<void> = Promise.resolve();
      /** Samples that could not be taken (a service gone, its /metrics not answering): a failure of their own. */
      const sampleErrors: string[] = [];
      const sampleHeap = () =>
        (heapSampling = heapSampling.then(async () => {
          const t = at();
          const bytes: Record<string, number> = {};
          try {
            for (const name of names) bytes[name] = await sys.heapAfterGc(name);
            heapSamples.push({ t, bytes });
          } catch (error) {
            sampleErrors.push(`at ${t.toFixed(0)} s: ${String(error)}`);
          }
        }));

      const outcomes: Outcome[] = [];
      let inFlight = 0;
      let skipped = 0;
      const loadStarted = Date.now();
      const loadEnds = loadStarted + LOAD_SECONDS * 1000;
      const running = new Set<Promise<void>>();
      const launch = (kind: Kind) => {
        if (inFlight >= MAX_IN_FLIGHT) {
          skipped++;
          return;
        }
        inFlight++;
        const task = kind
          .run()
          .then(
            ({ answer, unexpected }) => {
              if (answer.status === 0 && !answer.failure) return; // nothing to do yet (no order to read)
              void outcomes.push({
                kind: kind.name,
                status: answer.status,
                ms: answer.ms,
                at: Date.now(),
                unexpected: answer.failure ? `${answer.failure}: ${answer.body}` : unexpected,
              });
            },
            (error: unknown) =>
              void outcomes.push({ kind: kind.name, status: -1, ms: 0, at: Date.now(), unexpected: String(error) }),
          )
          .finally(() => {
            inFlight--;
            running.delete(task);
          });
        running.add(task);
      };
      // Open loop: each kind fires as a Poisson process at its rate (RATE times it).
      const timers = kinds.map((kind) => {
        const next = (): NodeJS.Timeout =>
          setTimeout(
            () => {
              if (Date.now() >= loadEnds) return;
              launch(kind);
              handle.current = next();
            },
            (-Math.log(1 - Math.random()) / (kind.perSecond * RATE)) * 1000,
          );
        const handle = { current: next() };
        return handle;
      });
      sample();
      void sampleHeap();
      const samplers = [
        setInterval(sample, SAMPLE_SECONDS * 1000),
        setInterval(() => void sampleHeap(), HEAP_SAMPLE_SECONDS * 1000),
      ];
      try {
        while (Date.now() < loadEnds) await new Promise((r) => setTimeout(r, 500));
      } finally {
        for (const handle of timers) clearTimeout(handle.current);
        for (const sampler of samplers) clearInterval(sampler);
      }
      await Promise.all([...running]);
      sample();
      await sampleHeap();
      const loadSeconds = (Date.now() - loadStarted) / 1000;

      // Drain: every subscriber has what the outbox committed for its partner after the threshold.
      const outbox = await sys.sql<{ seq: string; type: string; location_id: number | null }>(
        `select seq::text, type, location_id from payments.payment_event where tenant_id = 'demo' and seq > $1 order by seq`,
        [threshold],
      );
      const expected = groups.map((g) =>
        outbox
          // The outbox keeps the dotted spelling (payment.approved); subscribers see the graph's enum value.
          .filter((e) => g.selection.accepts({ type: paymentEventTypeName(e.type), locationId: e.location_id }))
          .map((e) => Number(e.seq)),
      );
      const drainStarted = Date.now();
      await until(
        () => groups.every((g, i) => g.members.every((m) => m.count >= expected[i].length)),
        'the subscribers to drain',
        60_000,
      ).catch(() => undefined);
      const drainMs = Date.now() - drainStarted;

      // Report.
      const byKind = kinds.map((kind) => {
        const mine = outcomes.filter((o) => o.kind === kind.name);
        const ms = mine.map((o) => o.ms).sort((a, b) => a - b);
        return {
          kind: kind.name,
          requests: mine.length,
          perSecond: +(mine.length / loadSeconds).toFixed(2),
          statuses: countBy(mine, (o) => String(o.status)),
          p50: percentile(ms, 0.5),
          p99: percentile(ms, 0.99),
          unexpected: mine.filter((o) => o.unexpected).length,
        };
      });
      const allMs = outcomes.map((o) => o.ms).sort((a, b) => a - b);
      const heap = names.map((name) => memoryTrend(name, heapSamples, WARMUP_SECONDS));
      const rss = names.map((name) => memoryTrend(name, rssSamples, WARMUP_SECONDS));
      const deliveries = groups.map((g, i) => ({
        selection: g.selection.name,
        subscribers: g.members.length,
        events: expected[i].length,
        deliveries: g.members.reduce((sum, m) => sum + m.count, 0),
        expected: expected[i].length * g.members.length,
      }));
      const unexpected = outcomes.filter((o) => o.unexpected);
      const report = {
        seconds: +loadSeconds.toFixed(1),
        subscribers: SUBSCRIBERS,
        connectMs,
        upstreamSubscriptions: upstreams,
        requests: outcomes.length,
        perSecond: +(outcomes.length / loadSeconds).toFixed(2),
        p50: percentile(allMs, 0.5),
        p99: percentile(allMs, 0.99),
        skippedAtInFlightCap: skipped,
        unexpected: unexpected.length,
        outboxEvents: outbox.length,
        drainMs,
        eventsPerSecond: +(outbox.length / loadSeconds).toFixed(2),
      };
      // What failed, in the order of the assertions below.
      const missing = groups.map((g, i) => expected[i].filter((seq) => g.deliveries.get(seq) !== g.members.length));
      const extra = groups.map((g, i) => [...g.deliveries.keys()].filter((seq) => !expected[i].includes(seq)));
      const failed = [
        unexpected.length && `${unexpected.length} unexpected answers`,
        skipped && `${skipped} requests skipped at the in-flight cap`,
        ...subscribers
          .flatMap((s) => s.errors)
          .slice(0, 3)
          .map((e) => `subscriber error: ${e}`),
        ...sampleErrors.slice(0, 3).map((e) => `heap sample failed ${e}`),
        ...heap.filter((m) => m.growing).map((m) => `${m.service} heap growing ${m.projectedGrowth} MB`),
        ...groups.flatMap((g, i) => [
          !expected[i].length && `${g.selection.name}: no events`,
          missing[i].length && `${g.selection.name}: ${missing[i].length} events not delivered to every subscriber`,
          extra[i].length && `${g.selection.name}: ${extra[i].length} events not expected`,
        ]),
        subscribers.some((s) => s.outOfOrder) && 'deliveries out of order',
      ].filter(Boolean);
      console.log(
        `Load verdict: ${failed.length ? `FAILED: ${failed.join('; ')}` : 'passed'}\n` +
          `Load report\n${JSON.stringify(report, null, 2)}\n` +
          `by kind (ms)\n${byKind.map((k) => JSON.stringify(k)).join('\n')}\n` +
          `heap after a full collection (MB; slope over the measured window, MB/min)\n` +
          `${heap.map((m) => JSON.stringify(m)).join('\n')}\n` +
          `RSS (MB; reported, not asserted)\n${rss.map(({ growing: _g, allowed: _a, ...m }) => JSON.stringify(m)).join('\n')}\n` +
          `deliveries\n${deliveries.map((d) => JSON.stringify(d)).join('\n')}\n` +
          (unexpected.length
            ? `first unexpected answers\n${unexpected
                .slice(0, 10)
                .map((u) => JSON.stringify(u))
                .join('\n')}`
            : ''),
      );

      // Every answer as its request expects; the load ran at its rate (no request dropped at the cap).
      expect(unexpected.slice(0, 10)).toEqual([]);
      expect(skipped).toBe(0);
      expect(subscribers.flatMap((s) => s.errors)).toEqual([]);
      // No memory growth trend.
      expect(sampleErrors).toEqual([]);
      for (const m of heap)
        expect({ service: m.service, growing: m.growing }).toEqual({ service: m.service, growing: false });
      // Every committed event of the partner reached every subscriber of a matching selection once, in order,
      // and nothing else reached them (other partners' events, events outside a filter).
      for (const [i, g] of groups.entries()) {
        expect(expected[i].length).toBeGreaterThan(0);
        expect({ selection: g.selection.name, missing: missing[i].slice(0, 10), extra: extra[i].slice(0, 10) }).toEqual(
          {
            selection: g.selection.name,
            missing: [],
            extra: [],
          },
        );
        expect(g.members.filter((m) => m.count !== expected[i].length || m.wrong > 0)).toEqual([]);
      }
      expect(subscribers.every((s) => s.outOfOrder === 0)).toBe(true);
      await Promise.all(subscribers.map((s) => s.close()));
    },
    (LOAD_SECONDS + 240) * 1000,
  );
});

async function payNewOrder(api: ReturnType<typeof restApi>, location: number): Promise<void> {
  const order = await api.createOrder(randomUUID(), 600, location);
  const paid = await api.pay(order.body.id, randomUUID(), 600);
  if (paid.status !== 201) throw new Error(`payment failed: ${paid.status} ${JSON.stringify(paid.body)}`);
}

interface Sample {
  /** Seconds since the load started. */
  t: number;
  bytes: Record<string, number>;
}

/**
 * A service's memory over the run: after the warm-up, the least-squares line through its samples and the growth
 * it projects over that window, against the allowance (GROWTH_FRACTION of the median, at least GROWTH_FLOOR_BYTES).
 * A line rather than first-vs-last, so that no single sample decides. Also the medians of the first and the last
 * minute of the window, for the report.
 */
function memoryTrend(service: string, samples: Sample[], warmup: number) {
  const window = samples.filter((s) => s.t >= warmup).map((s) => ({ t: s.t, v: s.bytes[service] }));
  const n = window.length;
  const meanT = window.reduce((a, s) => a + s.t, 0) / n;
  const meanV = window.reduce((a, s) => a + s.v, 0) / n;
  const slope =
    window.reduce((a, s) => a + (s.t - meanT) * (s.v - meanV), 0) /
    Math.max(
      1e-9,
      window.reduce((a, s) => a + (s.t - meanT) ** 2, 0),
    );
  const span = n > 1 ? window[n - 1].t - window[0].t : 0;
  const sorted = (values: number[]) => values.sort((a, b) => a - b);
  const median = percentile(sorted(window.map((s) => s.v)), 0.5);
  const first = window.filter((s) => s.t < window[0].t + 60).map((s) => s.v);
  const last = window.filter((s) => s.t > window[n - 1].t - 60).map((s) => s.v);
  const allowed = Math.max(GROWTH_FLOOR_BYTES, GROWTH_FRACTION * median);
  const mb = (bytes: number) => +(bytes / 1024 / 1024).toFixed(1);
  return {
    service,
    samples: n,
    start: mb(samples[0]?.bytes[service] ?? 0),
    min: mb(Math.min(...window.map((s) => s.v))),
    max: mb(Math.max(...window.map((s) => s.v))),
    firstMinuteMedian: mb(percentile(sorted(first), 0.5)),
    lastMinuteMedian: mb(percentile(sorted(last), 0.5)),
    slopeMBPerMin: +((slope * 60) / 1024 / 1024).toFixed(2),
    projectedGrowth: mb(slope * span),
    allowed: mb(allowed),
    growing: slope * span > allowed,
  };
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
