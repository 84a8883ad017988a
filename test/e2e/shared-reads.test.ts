import { subgraphMetric } from '../support/metrics';
import { type Stack, startStack, withoutCost } from '../support/stack';

/**
 * SHARE_READS_IN_FLIGHT: identical reads of one caller in flight at once are answered by one execution (on, the
 * default), or each executed on its own (off), for callers that must read their own writes at once.
 */
describe('identical reads in flight', () => {
  const ORDERS = `query Orders { locations { nodes { id orders { nodes { id total { amountMinor } } } } } }`;
  const CONCURRENT = 10;

  /** graphql_requests_total of the orders subgraph: the operations it has executed. */
  const ordersOperations = (stack: Stack) => subgraphMetric(stack, 'orders', 'graphql_requests_total');

  /** The orders operations that CONCURRENT identical reads at once caused, over a few rounds, and their answers. */
  async function readTogether(stack: Stack) {
    const token = await stack.token();
    const alone = await stack.graphql(ORDERS, {}, token);
    expect(alone.body.errors).toBeUndefined();
    const before = await ordersOperations(stack);
    const rounds = 3;
    for (let round = 0; round < rounds; round++) {
      const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => stack.graphql(ORDERS, {}, token)));
      // The same answer; extensions.cost is each request's own (every request pays for itself).
      for (const answer of answers) expect(withoutCost(answer.body)).toEqual(withoutCost(alone.body));
    }
    return ((await ordersOperations(stack)) - before) / rounds;
  }

  it('shares one execution among them by default', async () => {
    const stack = await startStack();
    try {
      expect(await readTogether(stack)).toBeLessThan(CONCURRENT);
    } finally {
      await stack.close();
    }
  });

  it('executes each on its own with SHARE_READS_IN_FLIGHT=off', async () => {
    const stack = await startStack({ gatewayEnv: { SHARE_READS_IN_FLIGHT: 'off' } });
    try {
      expect(await readTogether(stack)).toBe(CONCURRENT);
    } finally {
      await stack.close();
    }
  });
});
