import type { MikroORM } from '@mikro-orm/postgresql';
import { DEMO } from '@pos/kit';
import { PasswordSignIn, SIGN_IN_LIMITS } from '../src/auth/password-sign-in';
import { seedIdentity } from '../src/identity/seed';
import { identityTestOrm } from './identity-orm';

/**
 * The people who sign in with a password (partner admins and developers, operators): stored as scrypt hashes, one
 * generic refusal for a wrong password and an unknown email alike, and guessing bounded per account and per address
 * (the counters live in PostgreSQL, so every gateway replica shares them).
 */
describe('password sign-in', () => {
  let orm: MikroORM;
  let now = Date.parse('2026-12-06T10:00:00Z');
  let signIn: PasswordSignIn;
  const attempt = (email: string, password: string, address = '198.51.100.7') =>
    signIn.signIn({ email, password, address });

  beforeAll(async () => {
    orm = await identityTestOrm();
    await orm.getMigrator().up();
    await seedIdentity(orm.em.fork());
    signIn = new PasswordSignIn(() => orm.em.fork(), { now: () => new Date(now) });
  });
  afterAll(() => orm?.close());

  it('signs in each demo person with their password, with their partner and role', async () => {
    const people = await Promise.all(DEMO.people.map((p) => attempt(p.email, p.password)));
    expect(people.map((r) => (r.ok ? [r.user.email, r.user.partnerId, r.user.role] : r))).toEqual([
      ['admin@demo.example', 'demo', 'partner_admin'],
      ['dev@demo.example', 'demo', 'partner_developer'],
      ['admin@other.example', 'other', 'partner_admin'],
      ['ops@tilt.example', DEMO.operator.partner, 'operator'],
    ]);
  });

  it('keeps passwords only as scrypt hashes', async () => {
    const rows = await orm.em
      .getConnection()
      .execute<{ email: string; password_hash: string }[]>('select email, password_hash from identity.portal_user');
    expect(rows).toHaveLength(DEMO.people.length);
    for (const row of rows) {
      expect(row.password_hash).toMatch(/^scrypt\$/);
      expect(row.password_hash).not.toContain(DEMO.people.find((p) => p.email === row.email)!.password);
    }
  });

  it('compares emails without case or surrounding spaces', async () => {
    expect((await attempt('  Admin@Demo.Example ', 'demo-admin-password')).ok).toBe(true);
  });

  it('answers a wrong password and an unknown email with the same refusal', async () => {
    expect(await attempt('admin@demo.example', 'wrong', '203.0.113.1')).toEqual({ ok: false, reason: 'invalid' });
    expect(await attempt('nobody@demo.example', 'wrong', '203.0.113.1')).toEqual({ ok: false, reason: 'invalid' });
    expect(await attempt('', '', '203.0.113.1')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('locks an account after too many wrong passwords, from any address, until the lock ends', async () => {
    const email = 'admin@other.example';
    for (let i = 0; i < SIGN_IN_LIMITS.accountFailures; i++) {
      expect(await attempt(email, `guess-${i}`, `192.0.2.${i + 1}`)).toEqual({ ok: false, reason: 'invalid' });
    }
    // Locked: even the right password is refused, saying how long to wait, whatever the address.
    const locked = await attempt(email, 'other-admin-password', '192.0.2.200');
    expect(locked).toEqual({ ok: false, reason: 'throttled', retryAfterSeconds: SIGN_IN_LIMITS.lockSeconds });
    now += 60_000;
    expect(await attempt(email, 'other-admin-password')).toEqual({
      ok: false,
      reason: 'throttled',
      retryAfterSeconds: SIGN_IN_LIMITS.lockSeconds - 60,
    });
    // Another account is not affected.
    expect((await attempt('admin@demo.example', 'demo-admin-password', '192.0.2.200')).ok).toBe(true);
    now += SIGN_IN_LIMITS.lockSeconds * 1000;
    expect((await attempt(email, 'other-admin-password')).ok).toBe(true);
    // A success clears the count: one more wrong password does not lock it again.
    expect(await attempt(email, 'wrong')).toEqual({ ok: false, reason: 'invalid' });
    expect((await attempt(email, 'other-admin-password')).ok).toBe(true);
  });

  it('forgets failures older than the window', async () => {
    const email = 'admin@demo.example';
    for (let i = 0; i < SIGN_IN_LIMITS.accountFailures - 1; i++) await attempt(email, 'wrong', '192.0.2.50');
    now += SIGN_IN_LIMITS.windowSeconds * 1000 + 1000;
    expect(await attempt(email, 'wrong', '192.0.2.50')).toEqual({ ok: false, reason: 'invalid' });
    expect((await attempt(email, 'demo-admin-password', '192.0.2.50')).ok).toBe(true);
  });

  it('limits one address guessing across many accounts, without locking the accounts for others', async () => {
    now += SIGN_IN_LIMITS.windowSeconds * 1000 + 1000;
    const address = '203.0.113.99';
    for (let i = 0; i < SIGN_IN_LIMITS.addressFailures; i++) {
      expect(await attempt(`user${i}@spray.example`, 'wrong', address)).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(await attempt('ops@tilt.example', 'demo-ops-password', address)).toEqual({
      ok: false,
      reason: 'throttled',
      retryAfterSeconds: SIGN_IN_LIMITS.lockSeconds,
    });
    expect((await attempt('ops@tilt.example', 'demo-ops-password', '203.0.113.100')).ok).toBe(true);
  });

  it('checks no more than the limit of concurrent guesses at one account', async () => {
    now += SIGN_IN_LIMITS.lockSeconds * 1000;
    const guesses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => attempt('ops@tilt.example', `guess-${i}`, `198.51.100.${100 + i}`)),
    );
    expect(guesses.filter((g) => !g.ok && g.reason === 'invalid')).toHaveLength(SIGN_IN_LIMITS.accountFailures);
    expect(guesses.filter((g) => !g.ok && g.reason === 'throttled')).toHaveLength(20 - SIGN_IN_LIMITS.accountFailures);
  });

  it('refuses a disabled person as it refuses a wrong password', async () => {
    await orm.em
      .getConnection()
      .execute(`update identity.portal_user set active = false where email = 'admin@other.example'`);
    now += SIGN_IN_LIMITS.lockSeconds * 1000;
    expect(await attempt('admin@other.example', 'other-admin-password', '192.0.2.77')).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });
  it('forgets counters that no longer count, so made-up emails do not pile up', async () => {
    const sql = (query: string, params: unknown[] = []) => orm.em.getConnection().execute(query, params);
    now += SIGN_IN_LIMITS.lockSeconds * 1000 + 120_000;
    for (let i = 0; i < 5; i++) await attempt(`sprayed-${i}@nowhere.example`, 'x', '203.0.113.200');
    const sprayed = `select count(*)::int as n from identity.sign_in_throttle where key like 'account:sprayed-%'`;
    expect(await sql(sprayed)).toEqual([{ n: 5 }]);
    // Past the window, the next sign-in (a minute after the last clean-up) removes them; a live lock stays.
    now += SIGN_IN_LIMITS.windowSeconds * 1000 + 1000;
    await sql(
      `insert into identity.sign_in_throttle (key, failures, window_started_at, locked_until) values (?, 9, ?, ?)`,
      ['account:locked@nowhere.example', new Date(now - SIGN_IN_LIMITS.windowSeconds * 2000), new Date(now + 60_000)],
    );
    await attempt('admin@demo.example', 'demo-admin-password', '203.0.113.201');
    expect(await sql(sprayed)).toEqual([{ n: 0 }]);
    expect(
      await sql(`select key from identity.sign_in_throttle where key = 'account:locked@nowhere.example'`),
    ).toHaveLength(1);
  });
});
