import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { type Principal, SCOPES } from '@pos/kit';
import { partnerPrincipal } from '@pos/testing';
import type { GatewayContext } from '../src/context';
import { SharedSubgraphFetches, dedupeRepresentations, expandEntities } from '../src/fetch/shared-fetches';

type Response = Awaited<ReturnType<GraphQLDataSource['process']>>;

const partner: Principal = partnerPrincipal('demo', [SCOPES.posOrders]);

/** A subgraph that answers each entity with its id and counts what it was sent; answers when `release` is called. */
function fakeSubgraph() {
  const sent: Array<{ query: string; variables: Record<string, unknown> | undefined }> = [];
  const waiting: Array<() => void> = [];
  const source: GraphQLDataSource<GatewayContext> = {
    process: async ({ request }) => {
      sent.push({ query: request.query!, variables: request.variables });
      await new Promise<void>((resolve) => waiting.push(resolve));
      const reps = request.variables?.representations as Array<{ id: string }> | undefined;
      if (reps) return { data: { _entities: reps.map((r) => ({ name: `n${r.id}`, nested: { id: r.id } })) } };
      return { data: { order: { id: '1', nested: { n: 1 } } } };
    },
  };
  const release = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    for (const resolve of waiting.splice(0)) resolve();
  };
  return { source, sent, release };
}

const options = (
  query: string,
  variables: Record<string, unknown>,
  operation: 'query' | 'mutation' = 'query',
  principal: Principal | null = partner,
) =>
  ({
    kind: 'incoming operation',
    request: { query, variables },
    context: { requestId: 'r', principal },
    incomingRequestContext: { operation: { operation } },
  }) as unknown as GraphQLDataSourceProcessOptions<GatewayContext>;

describe('representations', () => {
  it('sends each distinct representation once and spreads the answers back, errors included', () => {
    const reps = [
      { __typename: 'Location', id: '1' },
      { __typename: 'Location', id: '2' },
      { __typename: 'Location', id: '1' },
      { __typename: 'Location', id: '1' },
    ];
    const { unique, positions } = dedupeRepresentations(reps);
    expect(unique).toEqual([reps[0], reps[1]]);
    expect(positions).toEqual([0, 1, 0, 0]);
    const answer: Response = {
      data: { _entities: [{ name: 'a', more: { x: 1 } }, null] },
      errors: [
        { message: 'gone', path: ['_entities', 1, 'name'] },
        { message: 'a', path: ['_entities', 0] },
      ],
    };
    const expanded = expandEntities(answer, positions);
    const entities = (expanded.data as { _entities: Array<{ more: object } | null> })._entities;
    expect(entities).toEqual([
      { name: 'a', more: { x: 1 } },
      null,
      { name: 'a', more: { x: 1 } },
      { name: 'a', more: { x: 1 } },
    ]);
    // Repeats are copies: the executor merges each into a different place.
    expect(entities[2]).not.toBe(entities[0]);
    expect(entities[2]!.more).not.toBe(entities[0]!.more);
    expect(expanded.errors).toEqual([
      { message: 'gone', path: ['_entities', 1, 'name'] },
      { message: 'a', path: ['_entities', 0] },
      { message: 'a', path: ['_entities', 2] },
      { message: 'a', path: ['_entities', 3] },
    ]);
  });
});

describe('SharedSubgraphFetches', () => {
  const ENTITIES =
    'query Q__checks__1($representations:[_Any!]!){_entities(representations:$representations){...on Location{name}}}';

  it('shares identical reads in flight, each caller with its own copy, and keeps nothing afterwards', async () => {
    const subgraph = fakeSubgraph();
    const shared = new SharedSubgraphFetches('orders', subgraph.source);
    const vars = { representations: [{ __typename: 'Location', id: '1' }] };
    const both = Promise.all([shared.process(options(ENTITIES, vars)), shared.process(options(ENTITIES, vars))]);
    await subgraph.release();
    const [a, b] = await both;
    expect(subgraph.sent).toHaveLength(1);
    expect(a).toEqual(b);
    expect(a.data).not.toBe(b.data);
    expect(shared.joined).toBe(1);
    // Answered: the next one is sent again.
    const again = shared.process(options(ENTITIES, vars));
    await subgraph.release();
    await again;
    expect(subgraph.sent).toHaveLength(2);
  });

  it('never shares across callers, variables, mutations or the reads of a mutation', async () => {
    const subgraph = fakeSubgraph();
    const shared = new SharedSubgraphFetches('orders', subgraph.source);
    const vars = { representations: [{ __typename: 'Location', id: '1' }] };
    const other: Principal = { ...partner, subject: 'someone-else' };
    const all = Promise.all([
      shared.process(options(ENTITIES, vars)),
      shared.process(options(ENTITIES, vars, 'query', other)),
      shared.process(options(ENTITIES, { representations: [{ __typename: 'Location', id: '2' }] })),
      shared.process(options(ENTITIES, vars, 'mutation')),
      shared.process(options('mutation M__orders__0{createOrder{id}}', {}, 'mutation')),
      shared.process(options('mutation M__orders__0{createOrder{id}}', {}, 'mutation')),
      shared.process(options(ENTITIES, vars, 'query', null)),
    ]);
    await subgraph.release();
    await all;
    expect(subgraph.sent).toHaveLength(7);
    expect(shared.joined).toBe(0);
  });

  it('sends a fetch of repeated representations with each once', async () => {
    const subgraph = fakeSubgraph();
    const shared = new SharedSubgraphFetches('orders', subgraph.source);
    const reps = Array.from({ length: 10 }, (_, i) => ({ __typename: 'Location', id: String(i % 2) }));
    const answer = shared.process(options(ENTITIES, { representations: reps }));
    await subgraph.release();
    const result = await answer;
    expect(subgraph.sent[0].variables?.representations).toEqual([reps[0], reps[1]]);
    expect((result.data as { _entities: unknown[] })._entities).toEqual(
      reps.map((r) => ({ name: `n${r.id}`, nested: { id: r.id } })),
    );
    expect(shared.representationsSaved).toBe(8);
  });
});
