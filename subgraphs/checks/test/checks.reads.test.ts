import { EntityClient } from '@pos/kit';
import { TEST_INTERNAL_SECRET } from '@pos/testing';
import { CheckService } from '../src/modules/check/check.service';
import { type ChecksHarness, MONEY, demo, inMinorUnits, other, posUser, startChecks } from './support';

const LOCATION_CHECKS = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Location {
      id
      open: checks { nodes { posRef status } }
      closed: checks(filter: { status: [CLOSED] }) { nodes { posRef status closedAt } }
      all: checks(filter: { status: [OPEN, CLOSED] }) { nodes { posRef } }
      byNumber: checks(filter: { orderNumber: "2103" }) { nodes { posRef orderNumber } }
      closedByNumber: checks(filter: { status: [OPEN, CLOSED], orderNumber: "2102" }) { nodes { posRef } }
      noStatus: checks(filter: { status: [] }) { nodes { posRef } }
      check(posRef: "2-103") { posRef total ${MONEY} location { id } }
      missing: check(posRef: "2-999") { posRef }
    }
  }
}`;

/** An entity of LOCATION_CHECKS with each checks connection as its list of nodes. */
const listed = (entity: Record<string, any>) =>
  Object.fromEntries(
    Object.entries(entity).map(([k, v]) => [k, v && typeof v === 'object' && 'nodes' in v ? v.nodes : v]),
  );

describe('checks subgraph reads', () => {
  let h: ChecksHarness;
  /** Seeded check ids by posRef ('1-101' ... '3-104'). */
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    h = await startChecks();
    for (const row of await h.sql<{ id: string; pos_ref: string }>('select id, pos_ref from checks.check')) {
      ids[row.pos_ref] = row.id;
    }
    const { body, userErrors } = await h.mutate('closeCheck', { checkId: ids['2-102'] });
    expect([body.errors, userErrors]).toEqual([undefined, []]);
  });
  afterAll(() => h?.close());
  afterEach(() => jest.restoreAllMocks());

  describe('the second key: location { id } posRef', () => {
    it('answers the representation the payments subgraph sends through its EntityClient', async () => {
      const client = new EntityClient(h.checks.started.url, TEST_INTERNAL_SECRET);
      const read = (as = demo, posRef = '1-101', locationId = '1') =>
        client
          .fetch(
            as,
            'req-1',
            'Check',
            { location: { id: locationId }, posRef },
            `id status isLocked total ${MONEY} currency location { id }`,
          )
          .then(inMinorUnits);
      expect(await read()).toEqual({
        id: ids['1-101'],
        status: 'OPEN',
        isLocked: false,
        total: 1566,
        currency: 'USD',
        location: { id: '1' },
      });
      expect(await read(demo, '1-104')).toMatchObject({ isLocked: true, total: 3586 });
      expect(await read(demo, '2-102', '2')).toMatchObject({ status: 'CLOSED' });
      // Not the caller's: another partner, or a location outside a POS user's roles.
      expect(await read(other)).toBeNull();
      expect(await read(demo, '3-101', '3')).toBeNull();
      expect(await read(posUser([1]), '2-101', '2')).toBeNull();
      expect(await read(posUser([1]))).toMatchObject({ id: ids['1-101'] });
      // A posRef of another location is not this location's check.
      expect(await read(demo, '2-101', '1')).toBeNull();
    });

    it('resolves both keys in one batch, with one query per key kind (DataLoader)', async () => {
      const byIds = jest.spyOn(CheckService.prototype, 'byIds');
      const byPosRefs = jest.spyOn(CheckService.prototype, 'byPosRefs');
      const { body } = await h.call(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Check { id posRef } } }`,
        {
          r: [
            { __typename: 'Check', id: ids['1-101'] },
            { __typename: 'Check', location: { id: '1' }, posRef: '1-102' },
            { __typename: 'Check', id: ids['2-101'] },
            { __typename: 'Check', location: { id: '2' }, posRef: '2-103' },
            { __typename: 'Check', location: { id: '3' }, posRef: '3-101' },
            { __typename: 'Check', location: { id: 'x' }, posRef: '1-101' },
            { __typename: 'Check', location: { id: '1' }, posRef: 'nope' },
            { __typename: 'Check', location: null, posRef: '1-101' },
            { __typename: 'Check', location: { id: '1' }, posRef: '1-102' },
          ],
        },
      );
      expect(body.errors).toBeUndefined();
      expect(body.data!._entities).toEqual([
        { id: ids['1-101'], posRef: '1-101' },
        { id: ids['1-102'], posRef: '1-102' },
        { id: ids['2-101'], posRef: '2-101' },
        { id: ids['2-103'], posRef: '2-103' },
        null,
        null,
        null,
        null,
        { id: ids['1-102'], posRef: '1-102' },
      ]);
      expect(byIds).toHaveBeenCalledTimes(1);
      expect(byPosRefs).toHaveBeenCalledTimes(1);
    });
  });

  describe('Location.checks and Location.check', () => {
    it('lists the checks of a location by filter, oldest first, and finds one by posRef', async () => {
      const byLocations = jest.spyOn(CheckService.prototype, 'pagesAtLocations');
      const { body } = await h.call(LOCATION_CHECKS, {
        representations: [
          { __typename: 'Location', id: '2' },
          { __typename: 'Location', id: '1' },
        ],
      });
      expect(body.errors).toBeUndefined();
      const [two, one] = body.data!._entities.map(listed);
      expect(two.open).toEqual([
        { posRef: '2-101', status: 'OPEN' },
        { posRef: '2-103', status: 'OPEN' },
        { posRef: '2-104', status: 'OPEN' },
      ]);
      expect(two.closed).toEqual([{ posRef: '2-102', status: 'CLOSED', closedAt: expect.any(String) }]);
      expect(two.all.map((c: { posRef: string }) => c.posRef)).toEqual(['2-101', '2-102', '2-103', '2-104']);
      expect(two.byNumber).toEqual([{ posRef: '2-103', orderNumber: '2103' }]);
      expect(two.closedByNumber).toEqual([{ posRef: '2-102' }]);
      expect(two.noStatus).toEqual([]);
      expect(inMinorUnits(two.check)).toEqual({ posRef: '2-103', total: 2371, location: { id: '2' } });
      expect(two.missing).toBeNull();
      expect(one.open.map((c: { posRef: string }) => c.posRef)).toEqual(['1-101', '1-102', '1-103', '1-104']);
      expect(one.check).toBeNull();
      // One batch per distinct filter, each for both locations.
      expect(byLocations).toHaveBeenCalledTimes(6);
      for (const call of byLocations.mock.calls) expect([...call[1]].sort()).toEqual([1, 2]);
    });

    it('shows nothing of another partner’s locations, nor a POS user anything beyond its roles', async () => {
      const asOther = await h.call(LOCATION_CHECKS, { representations: [{ __typename: 'Location', id: '2' }] }, other);
      expect(listed(asOther.body.data!._entities[0])).toMatchObject({ open: [], all: [], check: null });

      const user = posUser([1]);
      const asUser = await h.call(
        LOCATION_CHECKS,
        {
          representations: [
            { __typename: 'Location', id: '2' },
            { __typename: 'Location', id: '1' },
          ],
        },
        user,
      );
      expect(asUser.body.errors).toBeUndefined();
      expect(listed(asUser.body.data!._entities[0])).toMatchObject({ open: [], closed: [], all: [], check: null });
      expect(listed(asUser.body.data!._entities[1]).open).toHaveLength(4);

      const queries = await h.call(`query($id: ID!) { check(id: $id) { posRef } }`, { id: ids['2-101'] }, user);
      expect(queries.body.data).toEqual({ check: null });
      const entities = await h.call(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Check { posRef } } }`,
        { r: [{ __typename: 'Check', id: ids['2-101'] }] },
        user,
      );
      expect(entities.body.data!._entities).toEqual([null]);
    });
  });
});
