import type { MikroORM } from '@mikro-orm/postgresql';
import { identityTestOrm } from './identity-orm';

/** The migration that moves sessions' refresh tokens into families, on sessions that exist when it runs. */
describe('identity migration: refresh token families', () => {
  const BEFORE = 'Migration20261121092449';
  const FAMILIES = 'Migration20261205083054';
  let orm: MikroORM;
  beforeAll(async () => {
    orm = await identityTestOrm();
  });
  afterAll(() => orm?.close());

  const sql = <T = Record<string, unknown>>(query: string, params: unknown[] = []) =>
    orm.em.getConnection().execute<T[]>(query, params);
  const hash = (c: string) => c.repeat(64);

  it('keeps every session’s current token as the newest of its family and its previous one as rotated', async () => {
    await orm.getMigrator().up({ to: BEFORE });
    await sql(`insert into identity.partner (id, name, created_at) values ('p', 'P', now())`);
    await sql(
      `insert into identity.pos_user (id, partner_id, email, name, created_at)
       values ('00000000-0000-4000-8000-000000000001', 'p', 'a@p.example', 'A', now())`,
    );
    const session = (id: string, current: string, previous: string | null, refreshedAt: string | null) =>
      sql(
        `insert into identity.user_session
           (id, user_id, location_id, refresh_token_hash, previous_refresh_token_hash, created_at, refreshed_at, expires_at)
         values (?, '00000000-0000-4000-8000-000000000001', 1, ?, ?, '2026-01-01T08:00:00Z', ?, '2026-01-01T20:00:00Z')`,
        [id, current, previous, refreshedAt],
      );
    await session('00000000-0000-4000-8000-00000000000a', hash('a'), null, null);
    await session('00000000-0000-4000-8000-00000000000b', hash('c'), hash('b'), '2026-01-01T09:00:00Z');

    await orm.getMigrator().up({ to: FAMILIES });
    const rows = await sql<{ session_id: string; token_hash: string; issued_at: Date; rotated_at: Date | null }>(
      `select session_id, token_hash, issued_at, rotated_at from identity.refresh_token order by token_hash`,
    );
    expect(rows.map((r) => [r.session_id.slice(-1), r.token_hash[0], iso(r.issued_at), iso(r.rotated_at)])).toEqual([
      ['a', 'a', '2026-01-01T08:00:00.000Z', null],
      ['b', 'b', '2026-01-01T08:00:00.000Z', '2026-01-01T09:00:00.000Z'],
      ['b', 'c', '2026-01-01T09:00:00.000Z', null],
    ]);
    const columns = await sql<{ column_name: string }>(
      `select column_name from information_schema.columns
        where table_schema = 'identity' and table_name = 'user_session' and column_name like '%refresh_token%'`,
    );
    expect(columns).toEqual([]);

    // Down again: the newest token and the last rotated one go back to the session.
    await orm.getMigrator().down();
    const sessions = await sql<{ id: string; refresh_token_hash: string; previous_refresh_token_hash: string | null }>(
      `select id, refresh_token_hash, previous_refresh_token_hash from identity.user_session order by id`,
    );
    expect(sessions.map((s) => [s.id.slice(-1), s.refresh_token_hash[0], s.previous_refresh_token_hash?.[0]])).toEqual([
      ['a', 'a', undefined],
      ['b', 'c', 'b'],
    ]);
  });
});

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());
