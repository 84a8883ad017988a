import { createOrm, migrate } from '@pos/kit';
import { type TestSubgraph, createTestDatabase, startTestSubgraph } from '@pos/testing';
import { checks } from '../src/app';
import { migrations } from '../src/migrations';
import { MONEY, demo, inMinorUnits } from './support';

describe('checks migrations', () => {
  let subgraph: TestSubgraph | undefined;
  afterAll(() => subgraph?.close());

  it('carries checks written before v2 over with their totals unchanged', async () => {
    const databaseUrl = await createTestDatabase();
    // The database as the first release left it, with two checks in it.
    const orm = await createOrm({ databaseUrl, schema: 'checks', entities: [], migrations: migrations.slice(0, 1) });
    try {
      await migrate(orm);
      const sql = (query: string) => orm.em.getConnection().execute(query);
      await sql(`insert into checks.check (id, tenant_id, location_id, pos_ref, order_number, opened_at,
          owned_by_employee_ref, owned_by_employee, taxes)
        values ('00000000-0000-4000-8000-000000000001', 'demo', 1, 'OLD-1', '1', '2026-01-02T03:04:05Z', 'E', 'E', 152),
               ('00000000-0000-4000-8000-000000000002', 'demo', 1, 'OLD-2', '2', '2026-01-02T03:04:05Z', 'E', 'E', 0)`);
      await sql(`insert into checks.check_item (id, check_id, position, pos_ref, name, quantity, price)
        values ('00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-000000000001', 0, 'B', 'Burger', 2, 1450),
               ('00000000-0000-4000-8000-00000000000b', '00000000-0000-4000-8000-000000000001', 1, 'F', 'Fries', 1, 450),
               ('00000000-0000-4000-8000-00000000000c', '00000000-0000-4000-8000-000000000002', 0, 'S', 'Soda', 1, 295)`);
    } finally {
      await orm.close();
    }

    // Starting the subgraph applies the rest; the demo seed stays out of a database that has checks.
    subgraph = await startTestSubgraph(checks, demo, undefined, { DATABASE_URL: databaseUrl, SEED_DEMO: 'false' });
    const { body } = await subgraph.call(
      `{ _entities(representations: [{ __typename: "Location", id: "1" }]) { ... on Location { checks { nodes {
         posRef subtotal ${MONEY} taxes ${MONEY} otherTaxes ${MONEY} taxList { name amount ${MONEY} }
         total ${MONEY} currency version openedAt updatedAt closedAt supplementalFee { amount ${MONEY} }
         gratuity ${MONEY} cashTotal ${MONEY} items { quantity price ${MONEY} } } } } } }`,
    );
    expect(body.errors).toBeUndefined();
    const common = {
      otherTaxes: 0,
      currency: 'USD',
      version: 1,
      openedAt: '2026-01-02T03:04:05.000Z',
      updatedAt: '2026-01-02T03:04:05.000Z',
      closedAt: null,
      supplementalFee: null,
      gratuity: 0,
      cashTotal: null,
    };
    expect(inMinorUnits(body.data!._entities[0].checks.nodes)).toEqual([
      {
        ...common,
        posRef: 'OLD-1',
        subtotal: 1900,
        taxes: 152,
        taxList: [{ name: 'Sales tax', amount: 152 }],
        total: 2052,
        items: [
          { quantity: 2, price: 1450 },
          { quantity: 1, price: 450 },
        ],
      },
      {
        ...common,
        posRef: 'OLD-2',
        subtotal: 295,
        taxes: 0,
        taxList: [],
        total: 295,
        items: [{ quantity: 1, price: 295 }],
      },
    ]);
    const [tax] = await subgraph.sql(`select kind, rate_bps, amount_cents, position from checks.check_tax`);
    expect(tax).toEqual({ kind: 'STANDARD', rate_bps: null, amount_cents: 152, position: 0 });
  });
});
