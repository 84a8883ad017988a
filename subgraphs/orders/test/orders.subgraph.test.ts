import { INTERNAL_CONTEXT_HEADER, IdempotencyStore, type StartedSubgraph, signInternalContext } from '@pos/kit';
import { postGraphQL, type TestSubgraph, startTestSubgraph, partnerPrincipal } from '@pos/testing';
import { orders } from '../src/app';
import { LocationService } from '../src/modules/location/location.service';
import { OrderService } from '../src/modules/order/order.service';

const demo = partnerPrincipal('demo', ['tilt/pos:read', 'tilt/pos:orders']);
const other = partnerPrincipal('other', demo.scopes);

const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Location { id name }
    ... on Order { id number total { amountMinor currency } location { id } }
  }
}`;

const CREATE_ORDER = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id number total { amountMinor currency } } } }`;

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
    const mine = await call(CREATE_ORDER, { input: { locationId: '1', currency: 'USD', totalMinor: 1234 } });
    expect(mine.body.errors).toBeUndefined();
    const theirs = await call(CREATE_ORDER, { input: { locationId: '3', currency: 'USD', totalMinor: 99 } }, other);
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
      {
        id: mineId,
        number: mine.body.data!.createOrder.order.number,
        total: { amountMinor: 1234, currency: 'USD' },
        location: { id: '1' },
      },
      null,
      null,
    ]);

    // The other tenant does see its own order through the same reference.
    const fromOther = await call(ENTITIES, { representations: [{ __typename: 'Order', id: theirsId }] }, other);
    expect(fromOther.body.data!._entities).toEqual([
      expect.objectContaining({ id: theirsId, total: { amountMinor: 99, currency: 'USD' }, location: { id: '3' } }),
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
    const { body } = await call(`{ locations { nodes { id name } } }`, {}, null);
    expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();

    const entities = await call(ENTITIES, { representations: [{ __typename: 'Location', id: '1' }] }, null);
    expect(entities.body.data?._entities ?? [null]).toEqual([null]);
  });

  it('answers a context signed with another secret with UNAUTHENTICATED and no data', async () => {
    const forged = await signInternalContext('a-different-secret-0123456789abcdef0123', demo);
    const headers = { [INTERNAL_CONTEXT_HEADER]: forged };
    const { body } = await postGraphQL(started.url, `{ locations { nodes { id name } } }`, {}, headers);
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
    const { body } = await call(CREATE_ORDER, { input: { locationId: '3', currency: 'USD', totalMinor: 100 } });
    expect(body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(body.data).toEqual({ createOrder: null });
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
    for (const totalMinor of [10, 20]) {
      const { body } = await call(CREATE_ORDER, { input: { locationId: '2', currency: 'EUR', totalMinor } });
      ids.push(body.data!.createOrder.order.id);
    }
    const byIds = jest.spyOn(OrderService.prototype, 'byIds');
    const { body } = await call(ENTITIES, { representations: ids.map((id) => ({ __typename: 'Order', id })) });
    expect(body.errors).toBeUndefined();
    expect(body.data!._entities.map((o: { total: unknown }) => o.total)).toEqual([
      { amountMinor: 10, currency: 'EUR' },
      { amountMinor: 20, currency: 'EUR' },
    ]);
    expect(byIds).toHaveBeenCalledTimes(1);
    expect([...byIds.mock.calls[0][1]].sort()).toEqual([...ids].sort());
  });

  describe('idempotency keys', () => {
    const IDEMPOTENT = `mutation($input: CreateOrderInput!) {
      createOrder(input: $input) { userErrors { code field message } idempotentReplay order { id total { amountMinor } } }
    }`;
    const input = { locationId: '1', currency: 'USD', totalMinor: 4321 };
    const orderCount = async () =>
      (await subgraph.sql<{ n: number }>('select count(*)::int as n from orders.order'))[0].n;

    it('answers 409 while a request holds the key, and lets a retry finish the work once its lease lapsed', async () => {
      const key = `lease-${Date.now()}`;
      // A first request that claimed the key and then died before committing anything. It claimed it under the
      // input's names of before `totalMinor` (`totalCents`): keys are bound to those, so older keys still replay.
      const store = new IdempotencyStore(started.orm.em.fork());
      const { totalMinor, ...rest } = input;
      const claim = await store.claim(demo, key, 'createOrder', { ...rest, totalCents: totalMinor, locationId: 1 });
      expect(claim.kind).toBe('fresh');
      const before = await orderCount();

      const held = await call(IDEMPOTENT, { input: { ...input, idempotencyKey: key } });
      expect(held.body.errors).toBeUndefined();
      expect(held.body.data!.createOrder).toEqual({
        userErrors: [
          {
            code: 'IDEMPOTENCY_KEY_IN_USE',
            field: ['input', 'idempotencyKey'],
            message: 'A request with this Idempotency-Key is still in progress',
          },
          { code: 'IDEMPOTENCY_KEY_IN_USE', field: null, message: 'Retry after the first request has finished' },
        ],
        idempotentReplay: false,
        order: null,
      });
      expect(await orderCount()).toBe(before);

      await subgraph.sql(`update orders.idempotency_key set lease_until = now() - interval '1 second' where key = ?`, [
        key,
      ]);
      const resumed = await call(IDEMPOTENT, { input: { ...input, idempotencyKey: key } });
      expect(resumed.body.errors).toBeUndefined();
      expect(resumed.body.data!.createOrder).toMatchObject({
        idempotentReplay: false,
        order: { total: { amountMinor: 4321 } },
      });
      const replay = await call(IDEMPOTENT, { input: { ...input, idempotencyKey: key } });
      expect(replay.body.data!.createOrder).toEqual({ ...resumed.body.data!.createOrder, idempotentReplay: true });
      expect(await orderCount()).toBe(before + 1);
    });

    it('forgets a key after 24 hours: the same key then runs as a new request', async () => {
      const key = `old-${Date.now()}`;
      const first = await call(IDEMPOTENT, { input: { ...input, idempotencyKey: key } });
      await subgraph.sql(`update orders.idempotency_key set created_at = now() - interval '25 hours' where key = ?`, [
        key,
      ]);
      const again = await call(IDEMPOTENT, { input: { ...input, totalMinor: 1, idempotencyKey: key } });
      expect(again.body.errors).toBeUndefined();
      expect(again.body.data!.createOrder.order.id).not.toBe(first.body.data!.createOrder.order.id);
    });

    it('releases the key of a request that failed, so the corrected request can use it', async () => {
      const key = `fail-${Date.now()}`;
      const failed = await call(IDEMPOTENT, { input: { ...input, locationId: '3', idempotencyKey: key } });
      expect(failed.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      const rows = await subgraph.sql('select 1 from orders.idempotency_key where key = ?', [key]);
      expect(rows).toHaveLength(0);
    });
  });
});
