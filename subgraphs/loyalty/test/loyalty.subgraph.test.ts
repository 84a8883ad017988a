import { randomUUID } from 'node:crypto';
import { INTERNAL_CONTEXT_HEADER, type StartedSubgraph, signInternalContext } from '@pos/kit';
import { postGraphQL, type TestSubgraph, startTestSubgraph, partnerPrincipal } from '@pos/testing';
import { loyalty } from '../src/app';
import { CustomerService } from '../src/modules/customer/customer.service';

const demo = partnerPrincipal('demo', ['tilt/pos:read']);

const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on LoyaltyCustomer { id code points stamps org { preset subscriptionActive } }
  }
}`;

describe('loyalty subgraph', () => {
  let subgraph: TestSubgraph;
  let started: StartedSubgraph<unknown>;
  /** Customer ids by code: the seeded ones of tenant demo and 999993 of tenant other. */
  const customerIds: Record<string, string> = {};
  const sql: TestSubgraph['sql'] = (...args) => subgraph.sql(...args);
  const call: TestSubgraph['call'] = (...args) => subgraph.call(...args);

  beforeAll(async () => {
    subgraph = await startTestSubgraph(loyalty, demo);
    started = subgraph.started;
    // The demo data has loyalty orgs of tenant demo only: give tenant other a program and a customer.
    const orgId = randomUUID();
    await sql(
      `insert into loyalty.loyalty_org (id, tenant_id, name, preset) values (?, 'other', 'Other rewards', 'STANDARD')`,
      [orgId],
    );
    await sql(`insert into loyalty.loyalty_customer (id, org_id, code, points) values (?, ?, '999993', 800)`, [
      randomUUID(),
      orgId,
    ]);
    for (const row of await sql<{ id: string; code: string }>('select id, code from loyalty.loyalty_customer')) {
      customerIds[row.code] = row.id;
    }
  });
  afterAll(() => subgraph?.close());
  afterEach(() => jest.restoreAllMocks());

  it('resolves LoyaltyCustomer references of the caller only, as the gateway sends them', async () => {
    const { status, body } = await call(ENTITIES, {
      representations: [
        { __typename: 'LoyaltyCustomer', id: customerIds['482193'] },
        { __typename: 'LoyaltyCustomer', id: customerIds['999993'] },
        { __typename: 'LoyaltyCustomer', id: 'not-a-uuid' },
        { __typename: 'LoyaltyCustomer', id: customerIds['582194'].toUpperCase() },
      ],
    });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data!._entities).toEqual([
      {
        id: customerIds['482193'],
        code: '482193',
        points: 500,
        stamps: 0,
        org: { preset: 'STANDARD', subscriptionActive: true },
      },
      null,
      null,
      {
        id: customerIds['582194'],
        code: '582194',
        points: 0,
        stamps: 4,
        org: { preset: 'BALANCED', subscriptionActive: true },
      },
    ]);

    // The other tenant's customer exists: its own tenant resolves it.
    const other = { ...demo, tenantId: 'other', subject: 'other-partner', clientId: 'other-partner' };
    const fromOther = await call(
      ENTITIES,
      { representations: [{ __typename: 'LoyaltyCustomer', id: customerIds['999993'] }] },
      other,
    );
    expect(fromOther.body.data!._entities).toEqual([expect.objectContaining({ code: '999993', points: 800 })]);
  });

  it('publishes its @key entities in _service.sdl', async () => {
    const { body } = await call(`{ _service { sdl } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data!._service.sdl).toMatch(/type LoyaltyCustomer\s+@key\(fields: "id"\)/);
  });

  it('answers a call without an internal context with UNAUTHENTICATED and no data', async () => {
    const { body } = await call(`{ loyaltyCustomer(code: "482193") { points } }`, {}, null);
    expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data?.loyaltyCustomer ?? null).toBeNull();

    const entities = await call(
      ENTITIES,
      { representations: [{ __typename: 'LoyaltyCustomer', id: customerIds['482193'] }] },
      null,
    );
    expect(entities.body.data?._entities ?? [null]).toEqual([null]);
  });

  it('answers a context signed with another secret with UNAUTHENTICATED and no data', async () => {
    const headers = {
      [INTERNAL_CONTEXT_HEADER]: await signInternalContext('a-different-secret-0123456789abcdef0123', demo),
    };
    const { body } = await postGraphQL(started.url, `{ loyaltyCustomer(code: "482193") { points } }`, {}, headers);
    expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data?.loyaltyCustomer ?? null).toBeNull();

    const entities = await postGraphQL(
      started.url,
      ENTITIES,
      { representations: [{ __typename: 'LoyaltyCustomer', id: customerIds['482193'] }] },
      headers,
    );
    expect(entities.body.data?._entities ?? [null]).toEqual([null]);
  });

  it('finds a customer by code within the tenant only', async () => {
    const { body } = await call(
      `{ mine: loyaltyCustomer(code: "482193") { points } theirs: loyaltyCustomer(code: "999993") { points } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ mine: { points: 500 }, theirs: null });
  });

  it('loads all LoyaltyCustomer references of one request with one query (DataLoader)', async () => {
    const byIds = jest.spyOn(CustomerService.prototype, 'byIds');
    const codes = ['482193', '582194', '682195'];
    const { body } = await call(ENTITIES, {
      representations: codes.map((code) => ({ __typename: 'LoyaltyCustomer', id: customerIds[code] })),
    });
    expect(body.errors).toBeUndefined();
    expect(body.data!._entities.map((c: { code: string }) => c.code)).toEqual(codes);
    expect(byIds).toHaveBeenCalledTimes(1);
    expect([...byIds.mock.calls[0][1]].sort()).toEqual(codes.map((code) => customerIds[code]).sort());
  });
});
