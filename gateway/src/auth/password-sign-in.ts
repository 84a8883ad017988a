import type { EntityManager } from '@mikro-orm/postgresql';
import { type PortalRole, PortalUser, normalizeEmail } from '../identity/identity.entities';
import { DECOY_SECRET_HASH, verifySecret } from './secrets';

/**
 * How much password guessing is allowed. Per account: a handful of wrong passwords in a window locks the account
 * for a while, from every address (a guesser spreading over addresses is stopped by it). Per address: more, since
 * several people may sign in from one office, over any accounts (a guesser trying one password on many accounts is
 * stopped by it). A lock is temporary, so someone who knows an email can delay its owner but never shut them out.
 */
export const SIGN_IN_LIMITS = {
  accountFailures: 5,
  addressFailures: 20,
  windowSeconds: 15 * 60,
  lockSeconds: 15 * 60,
} as const;

/** A portal person as the sign-in answers them and the pages show them. */
export interface PortalPerson {
  id: string;
  email: string;
  name: string;
  role: PortalRole;
  partnerId: string;
}

export const portalPersonOf = (row: PortalUser): PortalPerson => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  partnerId: row.partner.id,
});

export type SignInResult =
  | { ok: true; user: PortalPerson }
  /** A wrong password, an unknown email and a disabled person look the same, so none of them can be told apart. */
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

interface Counter {
  failures: number;
  locked_until: Date | null;
}

/** Signs in the portal's people with an email and a password, bounding the guesses (see SIGN_IN_LIMITS). */
export class PasswordSignIn {
  /** When this gateway last removed counters that no longer count (see {@link forgetOldCounters}). */
  private lastForget = 0;

  constructor(
    private readonly em: () => EntityManager,
    private readonly options: { now?: () => Date; limits?: typeof SIGN_IN_LIMITS } = {},
  ) {}

  async signIn(attempt: { email: string; password: string; address: string }): Promise<SignInResult> {
    const limits = this.options.limits ?? SIGN_IN_LIMITS;
    const now = this.options.now?.() ?? new Date();
    const email = normalizeEmail(attempt.email);
    const keys = [
      { key: `account:${email}`, limit: limits.accountFailures },
      { key: `address:${attempt.address}`, limit: limits.addressFailures },
    ];
    const em = this.em();
    await this.forgetOldCounters(em, now, limits.windowSeconds);

    const lockedUntil = await this.lockedUntil(
      em,
      keys.map((k) => k.key),
      now,
    );
    if (lockedUntil) return throttled(lockedUntil, now);
    // Each attempt is counted before its password is checked: concurrent guesses cannot slip past the limit while
    // the slow hash runs. The attempt that goes over the limit sets the lock and is not checked at all, nor is one
    // that finds the lock another attempt set meanwhile.
    for (const { key, limit } of keys) {
      const counted = await this.count(em, key, now, limits.windowSeconds);
      if (counted.lockedUntil && counted.lockedUntil > now) return throttled(counted.lockedUntil, now);
      if (counted.failures > limit) {
        const until = new Date(now.getTime() + limits.lockSeconds * 1000);
        await em
          .getConnection()
          .execute(
            `update identity.sign_in_throttle set locked_until = ? where key = ? and (locked_until is null or locked_until <= ?)`,
            [until, key, now],
          );
        return throttled(until, now);
      }
    }

    const person = email ? await em.findOne(PortalUser, { email }) : null;
    const matches = await verifySecret(attempt.password, person?.passwordHash ?? DECOY_SECRET_HASH);
    if (!person || !matches || !person.active) return { ok: false, reason: 'invalid' };

    // The right password: the account's count starts again; the address keeps its other failures.
    await em.getConnection().execute(`delete from identity.sign_in_throttle where key = ?`, [keys[0].key]);
    await em
      .getConnection()
      .execute(`update identity.sign_in_throttle set failures = greatest(failures - 1, 0) where key = ?`, [
        keys[1].key,
      ]);
    return { ok: true, user: portalPersonOf(person) };
  }

  private async lockedUntil(em: EntityManager, keys: string[], now: Date): Promise<Date | null> {
    const rows = await em
      .getConnection()
      .execute<{ locked_until: Date }[]>(
        `select locked_until from identity.sign_in_throttle where key in (?, ?) and locked_until > ? order by locked_until desc`,
        [...keys, now],
      );
    return rows[0]?.locked_until ?? null;
  }

  /**
   * Counts one attempt for the key, in a window that starts again once it is older than windowSeconds or a lock on
   * the key has ended. While the key is locked the count only grows, so no attempt finds room under the limit.
   */
  private async count(
    em: EntityManager,
    key: string,
    now: Date,
    windowSeconds: number,
  ): Promise<{ failures: number; lockedUntil: Date | null }> {
    const windowStart = new Date(now.getTime() - windowSeconds * 1000);
    const [row] = await em.getConnection().execute<Counter[]>(
      `insert into identity.sign_in_throttle as t (key, failures, window_started_at) values (?, 1, ?)
       on conflict (key) do update set
         failures = case when t.locked_until > excluded.window_started_at then t.failures + 1
                         when t.window_started_at <= ? or t.locked_until is not null then 1
                         else t.failures + 1 end,
         window_started_at = case when t.locked_until > excluded.window_started_at then t.window_started_at
                                  when t.window_started_at <= ? or t.locked_until is not null
                                    then excluded.window_started_at
                                  else t.window_started_at end,
         locked_until = case when t.locked_until > excluded.window_started_at then t.locked_until end
       returning failures, locked_until`,
      [key, now, windowStart, windowStart],
    );
    return { failures: row.failures, lockedUntil: row.locked_until ? new Date(row.locked_until) : null };
  }

  /**
   * Removes counters whose window has passed and whose lock (if any) has ended: they would start again from one
   * anyway. Without this, every email and address ever tried would keep a row, and a guesser spraying made-up
   * emails could grow the table without end. At most once a minute per gateway.
   */
  private async forgetOldCounters(em: EntityManager, now: Date, windowSeconds: number): Promise<void> {
    if (now.getTime() - this.lastForget < 60_000) return;
    this.lastForget = now.getTime();
    await em.getConnection().execute(
      `delete from identity.sign_in_throttle
         where window_started_at <= ? and (locked_until is null or locked_until <= ?)`,
      [new Date(now.getTime() - windowSeconds * 1000), now],
    );
  }
}

function throttled(until: Date, now: Date): SignInResult {
  return {
    ok: false,
    reason: 'throttled',
    retryAfterSeconds: Math.max(1, Math.ceil((new Date(until).getTime() - now.getTime()) / 1000)),
  };
}
