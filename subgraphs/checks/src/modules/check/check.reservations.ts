import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type Principal,
  SCOPES,
  amountProblems,
  badInput,
  conflict,
  mayActAtLocation,
  notFound,
  parseIntIdArg,
  parseUuidArg,
  requireScope,
  textProblems,
} from '@pos/kit';
import { CHECK_LIMITS, type Check, CheckReservation, CheckStatus } from './check.entity';
import { checkErrors } from './check.errors';
import { heldOn, lockedCheck } from './check.lock';
import { totalsOf } from './check.rules';

/** What the payments subgraph asks to hold on a check for a payment it is about to record. */
export interface ReservationRequest {
  locationId: string;
  posRef: string;
  paymentId: string;
  amountCents: number;
}

/**
 * What payments hold on checks: the payments subgraph reserves an amount of a check before it records a payment,
 * and releases it when the payment is refunded, voided or expires. Reservations take the check's row lock, as its
 * edits do, so a check's total never goes below what is held on it.
 */
export class CheckReservations {
  constructor(private readonly em: EntityManager) {}

  /**
   * Holds `amountCents` of the check for a payment the payments subgraph is about to record. Under the check's row
   * lock, so it is ordered with every edit: refused when the check is not open or is locked, or when its total less
   * what is already held is below the amount. Idempotent by payment id: a retried call finds its reservation and
   * changes nothing. Answers the check as it is under the lock.
   */
  async reserve(principal: Principal, request: ReservationRequest): Promise<Check> {
    requireScope(principal, SCOPES.mobilePayments);
    const locationId = parseIntIdArg(request.locationId, 'locationId');
    const paymentId = parseUuidArg(request.paymentId, 'paymentId');
    const problems = [
      ...textProblems(request.posRef, 'posRef', CHECK_LIMITS.posRef, true),
      ...amountProblems(request.amountCents, 'amountCents', 1),
    ];
    if (problems.length) throw badInput('Invalid reservation', problems);
    if (!mayActAtLocation(principal, locationId)) throw notFound('Check');
    return lockedCheck(this.em, principal, { locationId, posRef: request.posRef }, async (check, tx) => {
      const { held, mine } = await heldOn(tx, check.id, paymentId);
      if (mine) return check;
      if (check.status !== CheckStatus.OPEN)
        throw conflict('check_not_open', 'The check is not open and cannot be paid');
      if (check.isLocked) throw conflict('check_locked', 'The check is locked and cannot be paid');
      const due = totalsOf(check).total - held;
      if (request.amountCents > due) throw checkErrors.amountExceedsDue(Math.max(due, 0));
      const reservation = new CheckReservation();
      Object.assign(reservation, { paymentId, check, amountCents: request.amountCents });
      tx.persist(reservation);
      try {
        await tx.flush();
      } catch (error) {
        // Payment ids are the payments subgraph's own UUIDs: one on another check is a caller's mistake.
        if (error instanceof UniqueConstraintViolationException) {
          throw badInput('Invalid reservation', ['paymentId: already holds an amount on another check']);
        }
        throw error;
      }
      return check;
    });
  }

  /**
   * Lowers what a payment holds on its check to `heldCents` (what it still holds after a refund, a void or an
   * expiry; 0 when it was never recorded), never raising it, and forgets it at 0. Whatever the check's state: money
   * given back is given back. Idempotent, and a payment unknown here (or another tenant's) changes nothing. Answers
   * what stays held.
   */
  async release(principal: Principal, paymentIdArg: string, heldCents: number): Promise<number> {
    requireScope(principal, SCOPES.mobilePayments);
    const paymentId = parseUuidArg(paymentIdArg, 'paymentId');
    const problems = amountProblems(heldCents, 'heldCents');
    if (problems.length) throw badInput('Invalid release', problems);
    // Lowering never needs the check's row lock: an edit that read the higher amount only refused too much.
    return this.em.transactional(async (tx) => {
      const [row] = await tx.execute<Array<{ amount_cents: number }>>(
        `update checks.check_reservation r set amount_cents = least(r.amount_cents, ?), updated_at = now()
         from checks."check" c where c.id = r.check_id and c.tenant_id = ? and r.payment_id = ?
         returning r.amount_cents`,
        [heldCents, principal.tenantId, paymentId],
      );
      if (!row) return 0;
      if (row.amount_cents > 0) return row.amount_cents;
      await tx.execute(`delete from checks.check_reservation where payment_id = ? and amount_cents = 0`, [paymentId]);
      return 0;
    });
  }
}
