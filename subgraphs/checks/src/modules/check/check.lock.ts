import { type FilterQuery, LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Principal, callerScope, notFound } from '@pos/kit';
import { Check, CheckStatus } from './check.entity';
import { checkErrors } from './check.errors';

/*
 * The check's row lock, which every edit and every payment's reservation of a check takes, and what payments hold on
 * the check, read under it: so what is held and the check's total are always read together.
 */

/**
 * Runs `run` on the caller's check (found by `where`), its items and taxes loaded, under its row lock: in a
 * transaction of its own, or in `within` when given.
 */
export function lockedCheck<T>(
  em: EntityManager,
  principal: Principal,
  where: FilterQuery<Check>,
  run: (check: Check, tx: EntityManager) => Promise<T>,
  within?: EntityManager,
): Promise<T> {
  const underLock = async (tx: EntityManager) => {
    // Locked alone: FOR UPDATE cannot cover the nullable side of the joins a populate would add.
    const check = await tx.findOne(
      Check,
      { ...callerScope(principal), ...(where as object) },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    if (!check) throw notFound('Check');
    await tx.populate(check, ['items', 'appliedTaxes'], { refresh: true });
    return run(check, tx);
  };
  return within ? underLock(within) : em.transactional(underLock);
}

/**
 * What payments hold on a check: recorded payments, and reservations of payments about to be recorded; and whether
 * `paymentId` is among them (one query: it runs under the check's lock, which every payment of the check queues for).
 */
export async function heldOn(
  tx: EntityManager,
  checkId: string,
  paymentId: string | null = null,
): Promise<{ held: number; mine: boolean }> {
  const [row] = await tx.execute<Array<{ held: number; mine: boolean }>>(
    `select coalesce(sum(amount_cents), 0)::int as held, coalesce(bool_or(payment_id = ?), false) as mine
     from checks.check_reservation where check_id = ?`,
    [paymentId, checkId],
  );
  return row;
}

/**
 * What payments hold on the check bounds its total from below: a change that lowers the total is refused beneath
 * it (one that raises it always goes through), and a check is not closed holding more than its total, which would
 * hide an overpayment. Called under the check's row lock, where reservations are taken too.
 */
export async function assertHeldCovered(tx: EntityManager, check: Check, before: number, total: number): Promise<void> {
  const closing = check.status === CheckStatus.CLOSED;
  if (total >= before && !closing) return;
  const { held } = await heldOn(tx, check.id);
  if (total >= held) return;
  throw closing ? checkErrors.closeOverpaid(total, held) : checkErrors.totalBelowPaid(total, held);
}
