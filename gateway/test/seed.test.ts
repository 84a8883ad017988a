import type { MikroORM } from '@mikro-orm/postgresql';
import { ALL_SCOPES, OPERATOR_SCOPES, SCOPES, migrate } from '@pos/kit';
import { ApiClient, PortalUser, PosUser, PosUserRole } from '../src/identity/identity.entities';
import { seedIdentity } from '../src/identity/seed';
import { identityTestOrm } from './identity-orm';

describe('identity demo seed', () => {
  let orm: MikroORM;
  beforeAll(async () => {
    orm = await identityTestOrm();
    await migrate(orm);
  });
  afterAll(() => orm?.close());

  const users = async () =>
    (
      await orm.em
        .fork()
        .find(PosUserRole, {}, { populate: ['user'], orderBy: { user: { email: 'asc' }, locationId: 'asc' } })
    ).map((r) => `${r.user.partner.id} ${r.user.email} ${r.locationId} ${r.roleSlug}`);

  it('seeds partners, clients and POS users once, even when gateways start together', async () => {
    await Promise.all([seedIdentity(orm.em.fork()), seedIdentity(orm.em.fork())]);
    await seedIdentity(orm.em.fork());
    expect(await users()).toEqual([
      'demo cashier@demo.example 1 location_cashier',
      'other cashier@other.example 3 location_cashier',
      'demo manager@demo.example 1 location_manager',
      'demo manager@demo.example 2 location_manager',
    ]);
    const clients = await orm.em.fork().find(ApiClient, {}, { orderBy: { clientId: 'asc' } });
    expect(clients.map((c) => [c.clientId, c.allowedScopes])).toEqual([
      ['demo-operator', OPERATOR_SCOPES.webhooksAdmin],
      ['demo-partner', ALL_SCOPES.join(' ')],
      ['other-partner', ALL_SCOPES.join(' ')],
    ]);
    // Operator scopes cross tenants: no partner client holds one.
    expect(ALL_SCOPES).not.toContain(OPERATOR_SCOPES.webhooksAdmin);
  });

  it('brings a database seeded by an older version up to date', async () => {
    const conn = orm.em.getConnection();
    await conn.execute('delete from identity.pos_user');
    const older = ALL_SCOPES.filter((s) => s !== SCOPES.posRefunds).join(' ');
    await conn.execute('update identity.api_client set allowed_scopes = ?', [older]);

    // A demo person added since (the developer) joins an older database's people; none is doubled.
    await conn.execute(`delete from identity.portal_user where email = 'dev@demo.example'`);

    await seedIdentity(orm.em.fork());
    await seedIdentity(orm.em.fork());
    expect(await orm.em.fork().count(PosUser, {})).toBe(3);
    const people = await orm.em.fork().find(PortalUser, {}, { orderBy: { email: 'asc' } });
    expect(people.map((p) => [p.email, p.role])).toEqual([
      ['admin@demo.example', 'partner_admin'],
      ['admin@other.example', 'partner_admin'],
      ['dev@demo.example', 'partner_developer'],
      ['ops@tilt.example', 'operator'],
    ]);
    for (const client of await orm.em.fork().find(ApiClient, { clientId: { $ne: 'demo-operator' } })) {
      expect(client.allowedScopes.split(' ').sort()).toEqual([...ALL_SCOPES].sort());
    }
  });
});
