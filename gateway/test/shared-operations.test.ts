import { ApolloServer } from '@apollo/server';
import { type Principal, SCOPES } from '@pos/kit';
import { partnerPrincipal } from '@pos/testing';
import type { GatewayContext } from '../src/context';
import { sharedOperations } from '../src/fetch/shared-operations';

const partner: Principal = partnerPrincipal('demo', [SCOPES.posOrders]);

/** A server whose resolvers count their runs and answer only when released. */
async function server() {
  const runs = { order: 0, touch: 0 };
  const waiting: Array<() => void> = [];
  const later = () => new Promise<void>((resolve) => waiting.push(resolve));
  const plugin = sharedOperations();
  const apollo = new ApolloServer<GatewayContext>({
    typeDefs: 'type Order { id: ID! n: Int! } type Query { order(id: ID!): Order } type Mutation { touch: Int! }',
    resolvers: {
      Query: {
        order: async (_root: unknown, { id }: { id: string }) => {
          runs.order++;
          await later();
          return id === 'missing' ? null : { id, n: runs.order };
        },
      },
      Mutation: {
        touch: async () => {
          runs.touch++;
          await later();
          return runs.touch;
        },
      },
    },
    plugins: [plugin],
  });
  await apollo.start();
  const run = (query: string, variables: Record<string, unknown> = {}, principal: Principal | null = partner) =>
    apollo.executeOperation({ query, variables }, { contextValue: { requestId: 'r', principal } });
  const release = async () => {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    for (const resolve of waiting.splice(0)) resolve();
  };
  return { apollo, run, release, runs, plugin };
}

const ORDER = 'query Q($id: ID!) { order(id: $id) { id n } }';
const single = (response: Awaited<ReturnType<ApolloServer['executeOperation']>>) =>
  response.body.kind === 'single' ? response.body.singleResult : null;

describe('sharedOperations', () => {
  it('answers identical queries in flight with one execution, each its own copy, and keeps nothing', async () => {
    const { apollo, run, release, runs, plugin } = await server();
    const three = Promise.all([run(ORDER, { id: '1' }), run(ORDER, { id: '1' }), run(ORDER, { id: '1' })]);
    await release();
    const answers = (await three).map(single);
    expect(runs.order).toBe(1);
    expect(plugin.stats.joined).toBe(2);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[1]).not.toBe(answers[0]);
    expect(answers[0]?.data).toEqual({ order: { id: '1', n: 1 } });
    const again = run(ORDER, { id: '1' });
    await release();
    expect(single(await again)?.data).toEqual({ order: { id: '1', n: 2 } });
    await apollo.stop();
  });

  it('never shares mutations, other variables, other callers or anonymous requests', async () => {
    const { apollo, run, release, runs } = await server();
    const all = Promise.all([
      run(ORDER, { id: '1' }),
      run(ORDER, { id: '2' }),
      run(ORDER, { id: '1' }, { ...partner, locationIds: [1] }),
      run(ORDER, { id: '1' }, null),
      run('mutation { touch }'),
      run('mutation { touch }'),
    ]);
    await release();
    const answers = (await all).map(single);
    expect(runs).toEqual({ order: 4, touch: 2 });
    expect(answers.slice(4).map((a) => typeof (a?.data as { touch?: unknown } | undefined)?.touch)).toEqual([
      'number',
      'number',
    ]);
    await apollo.stop();
  });
});
