import { INTERNAL_CONTEXT_HEADER, type StartedSubgraph, signInternalContext } from '@pos/kit';
import { postGraphQL, type TestSubgraph, startTestSubgraph, partnerPrincipal } from '@pos/kit/src/testing';
import { orders } from '../src/app';
import { LocationService } from '../src/modules/location/location.service';
import { OrderService } from '../src/modules/order/order.service';

const demo = partnerPrincipal('demo', ['tilt/pos:read', 'tilt/pos:orders']);
const other = partnerPrincipal('other', demo.scopes);

const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Location { id name }
    ... on Order { id number totalCents location { id } }
  }
}`;

const CREATE_ORDER = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id number totalCents } } }`;

describe('orders subgraph', () => {
  let subgraph: TestSubgraph;
  let started: StartedSubgraph<unknown>;
  const call: TestSubgraph['call'] = (...args) => subgraph.call(...args);

  beforeAll(async () => {
    subgraph = await startTestSubgraph(orders, demo);
    started = subgraph.started;
  });
  afterAll(() => subgraph?.close());
  afterEach(() => jest.restoreAllMocks());

  it('resolves Location references of the caller only, as the gateway sends them', async () => {
    const { status, body } = await call(ENTITIES, {
      representations: [
        { __typename: 'Location', id: '1' },
        { __typename: 'Location', id: '3' },
        { __typename: 'Location', id: 'not-an-id' },
      ],
    });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data!._entities).toEqual([{ id: '1', name: 'Demo Bistro Downtown' }, null, null]);
  });

  it('resolves Order references of the caller only', async () => {
    const mine = await call(CREATE_ORDER, { input: { locationId: '1', currency: 'USD', totalCents: 1234 } });
    expect(mine.body.errors).toBeUndefined();
    const theirs = await call(CREATE_ORDER, { input: { locationId: '3', currency: 'USD', totalCents: 99 } }, other);
    expect(theirs.body.errors).toBeUndefined();
    const mineId: string = mine.body.data!.createOrder.order.id;
    const theirsId: string = theirs.body.data!.createOrder.order.id;

    const { body } = await call(ENTITIES, {
      representations: [
        { __typename: 'Order', id: mineId },
        { __typename: 'Order', id: theirsId },
        { __typename: 'Order', id: 'not-a-uuid' },
      ],
    });
    expect(body.errors).toBeUndefined();
    expect(body.data!._entities).toEqual([
      { id: mineId, number: mine.body.data!.createOrder.order.number, totalCents: 1234, location: { id: '1' } },
      null,
      null,
    ]);

    // The other tenant does see its own order through the same reference.
    const fromOther = await call(ENTITIES, { representations: [{ __typename: 'Order', id: theirsId }] }, other);
    expect(fromOther.body.data!._entities).toEqual([
      expect.objectContaining({ id: theirsId, totalCents: 99, location: { id: '3' } }),
    ]);
  });

  it('publishes its @key entities in _service.sdl', async () => {
    const { body } = await call(`{ _service { sdl } }`);
    expect(body.errors).toBeUndefined();
    const sdl: string = body.data!._service.sdl;
    expect(sdl).toMatch(/type Location\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type Order\s+@key\(fields: "id"\)/);
  });

  it('answers a call without an internal context with UNAUTHENTICATED and no data', async () => {
    const { body } = await call(`{ locations { id name } }`, {}, null);
    expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();

    const entities = await call(ENTITIES, { representations: [{ __typename: 'Location', id: '1' }] }, null);
    expect(entities.body.data?._entities ?? [null]).toEqual([null]);
  });

  it('answers a context signed with another secret with UNAUTHENTICATED and no data', async () => {
    const forged = await signInternalContext('a-different-secret-0123456789abcdef0123', demo);
    const headers = { [INTERNAL_CONTEXT_HEADER]: forged };
    const { body } = await postGraphQL(started.url, `{ locations { id name } }`, {}, headers);
    expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();

    const entities = await postGraphQL(
      started.url,
      ENTITIES,
      { representations: [{ __typename: 'Location', id: '1' }] },
      headers,
    );
    expect(entities.body.data?._entities ?? [null]).toEqual([null]);
  });

  it('rejects an order at a location of another tenant', async () => {
    const { body } = await call(CREATE_ORDER, { input: { locationId: '3', currency: 'USD', totalCents: 100 } });
    expect(body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(body.data ?? null).toBeNull();
  });

  it('loads all Location references of one request with one query (DataLoader)', async () => {
    const byIds = jest.spyOn(LocationService.prototype, 'byIds');
    const { body } = await call(ENTITIES, {
      representations: [
        { __typename: 'Location', id: '1' },
        { __typename: 'Location', id: '2' },
        { __typename: 'Location', id: '3' },
      ],
    });
    expect(body.errors).toBeUndefined();
    expect(body.data!._entities).toEqual([
      { id: '1', name: 'Demo Bistro Downtown' },
      { id: '2', name: 'Demo Bistro Airport' },
      null,
    ]);
    expect(byIds).toHaveBeenCalledTimes(1);
    expect(byIds.mock.calls[0][0]).toMatchObject({ tenantId: 'demo' });
    expect([...byIds.mock.calls[0][1]].sort()).toEqual([1, 2, 3]);
  });

  it('loads all Order references of one request with one query (DataLoader)', async () => {
    const ids: string[] = [];
    for (const totalCents of [10, 20]) {
      const { body } = await call(CREATE_ORDER, { input: { locationId: '2', currency: 'EUR', totalCents } });
      ids.push(body.data!.createOrder.order.id);
    }
    const byIds = jest.spyOn(OrderService.prototype, 'byIds');
    const { body } = await call(ENTITIES, { representations: ids.map((id) => ({ __typename: 'Order', id })) });
    expect(body.errors).toBeUndefined();
    expect(body.data!._entities.map((o: { totalCents: number }) => o.totalCents)).toEqual([10, 20]);
    expect(byIds).toHaveBeenCalledTimes(1);
    expect([...byIds.mock.calls[0][1]].sort()).toEqual([...ids].sort());
  });
});
