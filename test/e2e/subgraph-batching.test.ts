import { INTERNAL_CONTEXT_HEADER, signInternalContext } from '@pos/kit';
import { TEST_INTERNAL_SECRET, memoryLogger, partnerPrincipal } from '@pos/testing';
import { subgraphMetric } from '../support/metrics';
import { type PaidOrder, payOrder } from '../support/payments';
import { type Stack, startStack, withoutCost } from '../support/stack';

/**
 * Reads of one caller that reach a subgraph in the same turn of the gateway's event loop go to it as one batched
 * HTTP request (gateway/src/fetch/fetcher.ts, docs/architecture.md, "Gateway to subgraphs"): each client still gets exactly its own answer,
 * two callers never share a batch, and the subgraph logs every request id of the batch.
 */
describe('batched subgraph reads', () => {
  let stack: Stack;
  const paymentsLog = memoryLogger('payments');
  const gatewayLog = memoryLogger('gateway');
  let demo: string;
  let other: string;
  const demoOrders: PaidOrder[] = [];
  const otherOrders: PaidOrder[] = [];
  const ORDER = `query Order($id: ID!) { order(id: $id) { id number total { amountMinor } payments { nodes { id amountCents status } } } }`;

  beforeAll(async () => {
    stack = await startStack({ loggers: { payments: paymentsLog.logger, gateway: gatewayLog.logger } });
    [demo, other] = await Promise.all([stack.token(), stack.token('other-partner', 'other-secret')]);
    for (let i = 0; i < 6; i++) {
      demoOrders.push(await payOrder(stack, demo, { amountCents: 1000 + i, locationId: i % 2 ? '2' : '1' }));
      otherOrders.push(await payOrder(stack, other, { amountCents: 2000 + i, locationId: '3' }));
    }
  });
  afterAll(() => stack?.close());

  /** graphql_batches_total and graphql_batched_operations_total of the payments subgraph. */
  const paymentsBatches = async () => ({
    batches: await subgraphMetric(stack, 'payments', 'graphql_batches_total'),
    operations: await subgraphMetric(stack, 'payments', 'graphql_batched_operations_total'),
  });
  const read = async (token: string, id: string, requestId?: string) => {
    const { status, body } = await stack.graphql(ORDER, { id }, token, requestId ? { 'x-request-id': requestId } : {});
    expect(status).toBe(200);
    return body;
  };

  it("answers each of many concurrent varied reads with its own caller's data, as it does alone", async () => {
    // Alone: one request at a time, so nothing is batched.
    const before = await paymentsBatches();
    const reads = [
      ...demoOrders.map((o) => ({ token: demo, id: o.orderId, owner: 'demo' })),
      ...otherOrders.map((o) => ({ token: other, id: o.orderId, owner: 'other' })),
      // Each partner also asks for the other's orders: null, whatever it is batched with.
      ...otherOrders.slice(0, 3).map((o) => ({ token: demo, id: o.orderId, owner: 'none' })),
      ...demoOrders.slice(0, 3).map((o) => ({ token: other, id: o.orderId, owner: 'none' })),
    ];
    const alone = [];
    for (const r of reads) alone.push(await read(r.token, r.id));
    expect(await paymentsBatches()).toEqual(before);
    alone.forEach((body, i) => {
      expect(body.errors).toBeUndefined();
      if (reads[i].owner === 'none') expect(body.data!.order).toBeNull();
      else expect(body.data!.order.payments.nodes).toHaveLength(1);
    });

    // Together, interleaving the two partners, a few rounds until the gateway has batched some (it batches what
    // reaches a subgraph in one turn of its event loop, which concurrent requests nearly always do).
    let after = before;
    for (let round = 0; round < 5 && after.batches === before.batches; round++) {
      const together = await Promise.all(reads.map((r) => read(r.token, r.id)));
      // The same answers; extensions.cost is each request's own.
      expect(together.map(withoutCost)).toEqual(alone.map(withoutCost));
      after = await paymentsBatches();
    }
    expect(after.batches).toBeGreaterThan(before.batches);
    expect(after.operations - before.operations).toBeGreaterThanOrEqual(2 * (after.batches - before.batches));
  });

  it('logs the request id of every read in a batch on the subgraph', async () => {
    const ids = demoOrders.map((_, i) => `batch-test-${i}`);
    const seen = new Set<string>();
    for (let round = 0; round < 5 && seen.size === 0; round++) {
      await Promise.all(demoOrders.map((o, i) => read(demo, o.orderId, `${ids[i]}-${round}`)));
      for (const line of paymentsLog.lines()) {
        const batch = line.requestIds as string[] | undefined;
        if (batch && batch.length > 1 && batch.every((id) => id.endsWith(`-${round}`))) {
          expect(line.requestId).toBe(batch[0]);
          batch.forEach((id) => seen.add(id));
        }
      }
    }
    expect(seen.size).toBeGreaterThan(1);

    // A client of the gateway cannot put other requests' ids on its own log line.
    await stack.graphql(ORDER, { id: demoOrders[0].orderId }, demo, {
      'x-request-id': 'client-own-id',
      'x-batch-request-ids': 'someone-else,another',
    });
    const mine = gatewayLog.lines().filter((line) => line.requestId === 'client-own-id');
    expect(mine).toHaveLength(1);
    expect(mine[0].requestIds).toBeUndefined();
  });

  it('is refused by a subgraph without a signed context, or above 100 operations', async () => {
    const post = async (operations: unknown[], headers: Record<string, string> = {}) => {
      const response = await fetch(stack.subgraphs.payments.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(operations),
      });
      return { status: response.status, body: await response.json() };
    };
    const op = { query: '{ __typename }' };
    const refused = (message: string) => ({
      status: 400,
      body: { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] },
    });
    const signed = {
      [INTERNAL_CONTEXT_HEADER]: await signInternalContext(TEST_INTERNAL_SECRET, partnerPrincipal('demo', [])),
    };
    const before = await paymentsBatches();
    expect(await post([op, op])).toEqual(refused('Batched operations need a signed context'));
    expect(await post([op, op], { [INTERNAL_CONTEXT_HEADER]: 'forged' })).toEqual(
      refused('Batched operations need a signed context'),
    );
    expect(await post(Array(101).fill(op), signed)).toEqual(refused('A batch holds at most 100 operations'));
    expect(await paymentsBatches()).toEqual(before);
    expect(await post([op, op], signed)).toEqual({
      status: 200,
      body: Array(2).fill({ data: { __typename: 'Query' } }),
    });
  });
});
