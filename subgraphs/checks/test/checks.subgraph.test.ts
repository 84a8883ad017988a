import { randomUUID } from 'node:crypto';
import { INTERNAL_CONTEXT_HEADER, type StartedSubgraph, signInternalContext } from '@pos/kit';
import { postGraphQL, type TestSubgraph, startTestSubgraph, partnerPrincipal } from '@pos/testing';
import { checks } from '../src/app';
import { MONEY, inMinorUnits } from './support';
import { CheckService } from '../src/modules/check/check.service';

const demo = partnerPrincipal('demo', ['tilt/pos:read', 'tilt/mobile:payments']);

const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Check {
      id posRef subtotal ${MONEY} taxes ${MONEY} total ${MONEY} isLocked location { id } order { id }
      items { name price ${MONEY} }
    }
    ... on Location { id openChecks: checks { nodes { posRef total ${MONEY} } } }
    ... on Order { id checks { posRef } }
  }
}`;

describe('checks subgraph', () => {
  let subgraph: TestSubgraph;
  let started: StartedSubgraph<unknown>;
  /** Seeded check ids by posRef ('1-101' ... '3-104'). */
  const checkIds: Record<string, string> = {};
  const sql: TestSubgraph['sql'] = (...args) => subgraph.sql(...args);
  const call: TestSubgraph['call'] = (...args) => subgraph.call(...args);

  beforeAll(async () => {
    subgraph = await startTestSubgraph(checks, demo);
    started = subgraph.started;
    for (const row of await sql<{ id: string; pos_ref: string }>('select id, pos_ref from checks.check')) {
      checkIds[row.pos_ref] = row.id;
    }
  });
  afterAll(() => subgraph?.close());
  afterEach(() => jest.restoreAllMocks());

  it('resolves Check references of the caller only, as the gateway sends them', async () => {
    const { status, body } = await call(ENTITIES, {
      representations: [
        { __typename: 'Check', id: checkIds['1-101'] },
        { __typename: 'Check', id: checkIds['3-101'] },
        { __typename: 'Check', id: 'not-a-uuid' },
        { __typename: 'Check', id: checkIds['1-104'].toUpperCase() },
      ],
    });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(inMinorUnits(body.data!._entities)).toEqual([
      {
        id: checkIds['1-101'],
        posRef: '1-101',
        subtotal: 1450,
        taxes: 116,
        total: 1566,
        isLocked: false,
        location: { id: '1' },
        order: null,
        items: [{ name: 'Cheeseburger', price: 1450 }],
      },
      null,
      null,
      expect.objectContaining({ id: checkIds['1-104'], posRef: '1-104', isLocked: true, subtotal: 3320, total: 3586 }),
    ]);
  });

  it('adds checks to Location references, scoped to the caller', async () => {
    const { body } = await call(ENTITIES, {
      representations: [
        { __typename: 'Location', id: '1' },
        { __typename: 'Location', id: '3' },
      ],
    });
    expect(body.errors).toBeUndefined();
    expect(inMinorUnits(body.data!._entities)).toEqual([
      {
        id: '1',
        openChecks: {
          nodes: [
            { posRef: '1-101', total: 1566 },
            { posRef: '1-102', total: 2052 },
            { posRef: '1-103', total: 2371 },
            { posRef: '1-104', total: 3586 },
          ],
        },
      },
      // Location is owned by the orders subgraph (which answers null for it); here the stub only gets no checks.
      { id: '3', openChecks: { nodes: [] } },
    ]);
  });

  it('adds checks to Order references, scoped to the caller', async () => {
    const mine = randomUUID();
    const theirs = randomUUID();
    // No mutation links a check to an order in this subgraph yet: link seeded checks directly.
    await sql('update checks.check set order_id = ? where pos_ref in (?, ?)', [mine, '1-102', '3-102']);
    await sql('update checks.check set order_id = ? where pos_ref = ?', [theirs, '3-103']);
    try {
      const { body } = await call(ENTITIES, {
        representations: [
          { __typename: 'Order', id: mine },
          { __typename: 'Order', id: theirs },
          { __typename: 'Order', id: randomUUID() },
        ],
      });
      expect(body.errors).toBeUndefined();
      expect(body.data!._entities).toEqual([
        { id: mine, checks: [{ posRef: '1-102' }] },
        { id: theirs, checks: [] },
        expect.objectContaining({ checks: [] }),
      ]);

      // A malformed id in the batch matches nothing and does not fail the other references; case does not matter.
      const mixed = await call(ENTITIES, {
        representations: [
          { __typename: 'Order', id: 'not-a-uuid' },
          { __typename: 'Order', id: mine.toUpperCase() },
        ],
      });
      expect(mixed.body.errors).toBeUndefined();
      expect(mixed.body.data!._entities).toEqual([
        { id: 'not-a-uuid', checks: [] },
        { id: mine.toUpperCase(), checks: [{ posRef: '1-102' }] },
      ]);

      const check = await call(ENTITIES, { representations: [{ __typename: 'Check', id: checkIds['1-102'] }] });
      expect(check.body.data!._entities[0].order).toEqual({ id: mine });
    } finally {
      await sql('update checks.check set order_id = null');
    }
  });

  it('publishes its @key entities in _service.sdl', async () => {
    const { body } = await call(`{ _service { sdl } }`);
    expect(body.errors).toBeUndefined();
    const sdl: string = body.data!._service.sdl;
    expect(sdl).toMatch(/type Check\s+@key\(fields: "id"\)\s+@key\(fields: "location \{ id \} posRef"\)/);
    expect(sdl).toMatch(/type Location\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type Order\s+@key\(fields: "id"\)/);
  });

  it('answers a call without an internal context with UNAUTHENTICATED and no data', async () => {
    const { body } = await call(`{ check(id: "00000000-0000-4000-8000-000000000000") { posRef } }`, {}, null);
    expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data?.check ?? null).toBeNull();

    const entities = await call(ENTITIES, { representations: [{ __typename: 'Check', id: checkIds['1-101'] }] }, null);
    expect(entities.body.data?._entities ?? [null]).toEqual([null]);
  });

  it('answers a context signed with another secret with UNAUTHENTICATED and no data', async () => {
    const headers = {
      [INTERNAL_CONTEXT_HEADER]: await signInternalContext('a-different-secret-0123456789abcdef0123', demo),
    };
    const { body } = await postGraphQL(
      started.url,
      `{ check(id: "00000000-0000-4000-8000-000000000000") { posRef } }`,
      {},
      headers,
    );
    expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data?.check ?? null).toBeNull();

    const entities = await postGraphQL(
      started.url,
      ENTITIES,
      { representations: [{ __typename: 'Location', id: '1' }] },
      headers,
    );
    // The stub itself comes back (its owner decides whether it exists), but without any of the tenant's checks.
    expect(entities.body.data?._entities).toEqual([{ id: '1', openChecks: { nodes: [] } }]);
  });

  it('loads the open checks of all Location references of one request with one query (DataLoader)', async () => {
    const openByLocations = jest.spyOn(CheckService.prototype, 'pagesAtLocations');
    const { body } = await call(ENTITIES, {
      representations: [
        { __typename: 'Location', id: '1' },
        { __typename: 'Location', id: '2' },
      ],
    });
    expect(body.errors).toBeUndefined();
    expect(body.data!._entities.map((l: { openChecks: { nodes: unknown[] } }) => l.openChecks.nodes.length)).toEqual([
      4, 4,
    ]);
    expect(openByLocations).toHaveBeenCalledTimes(1);
    expect([...openByLocations.mock.calls[0][1]].sort()).toEqual([1, 2]);
  });
});
