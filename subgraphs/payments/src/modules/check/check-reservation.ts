import { randomUUID } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { DomainError, type EntityClient, ErrorCode, type Logger, type Principal, SCOPES } from '@pos/kit';
import type { Payment } from '../payment/payment.entity';
import { HOLDS_FUNDS } from '../payment/payment.state';
import { CheckHold, CheckHoldStatus } from './check-hold.entity';

/*
 * A payment on a check and the check's total live in two services. Before it records a payment, this subgraph has
 * the checks subgraph reserve the amount on the check (under the check's row lock, where every edit is decided
 * too); whenever the payment later holds less, it has the reservation lowered. Each step survives a crash:
 *
 *  1. openHold: a `reserving` row here, committed before the checks subgraph is asked.
 *  2. the checks subgraph's `reserveCheckAmount`, idempotent by payment id; it may refuse.
 *  3. the payment's transaction: claimHold locks the row, requires it still `reserving` and deletes it as the
 *     payment is recorded. A row the sweep abandoned meanwhile (or gone) refuses the payment.
 *  4. on any failure, abandonHold, then pushCheckHold tells the checks subgraph to hold 0 for it.
 *
 * What a crash leaves, the sweep (syncCheckReservations) finishes: rows still `reserving` after HOLD_GRACE_MS are
 * abandoned — the row lock orders this with step 3, so a payment is recorded with its reservation or never — and
 * every other row is told to the checks subgraph. A check never holds money for a payment that does not exist, nor
 * a recorded payment less than it holds.
 */

/** A hold still `reserving` this long after it was opened belongs to a request that died or stalled. */
export const HOLD_GRACE_MS = 60_000;
/** At most this many holds told to the checks subgraph per sweep; the next sweep takes the rest. */
const SWEEP_BATCH = 100;

const RELEASE = `mutation ReleaseCheckReservation($paymentId: ID!, $heldCents: Int!) {
  releaseCheckReservation(paymentId: $paymentId, heldCents: $heldCents)
}`;

/** Who this subgraph is when it tells the checks subgraph about a tenant's payment on its own (a sweep, a release). */
const holdPrincipal = (tenantId: string): Principal => ({
  tenantId,
  subject: 'payments',
  kind: 'm2m',
  clientId: null,
  scopes: [SCOPES.mobilePayments],
  locationIds: null,
});

/** Step 1: the hold of a payment about to be recorded, committed before the checks subgraph is asked. */
export async function openHold(em: EntityManager, tenantId: string, paymentId: string, amountCents: number) {
  const hold = new CheckHold();
  Object.assign(hold, { paymentId, tenantId, heldCents: amountCents });
  await em.insert(hold);
}

/**
 * Step 3, in the payment's transaction: the hold must still be `reserving`, else the payment must not be recorded
 * (the sweep gave its reservation up). Its row goes: the reservation now stands for the payment.
 */
export async function claimHold(tx: EntityManager, paymentId: string): Promise<void> {
  const hold = await tx.findOne(CheckHold, { paymentId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  if (hold?.status !== CheckHoldStatus.RESERVING) {
    throw new DomainError(
      ErrorCode.UNAVAILABLE,
      'Registering the payment took too long and it was not recorded; retry',
      [],
      'reservation_expired',
    );
  }
  tx.remove(hold);
}

/** Step 4: a payment that will never be recorded holds nothing (a recorded one has no `reserving` hold left). */
export async function abandonHold(em: EntityManager, paymentId: string): Promise<void> {
  await em.nativeUpdate(
    CheckHold,
    { paymentId, status: CheckHoldStatus.RESERVING },
    { status: CheckHoldStatus.ABANDONED, heldCents: 0, updatedAt: new Date() },
  );
}

/**
 * In the transaction of any change of a payment on a check: when it now holds less than its amount (voided,
 * refunded, expired), the check is to be told to hold only that. Never raises what the check is told.
 */
export async function lowerCheckHold(tx: EntityManager, payment: Payment): Promise<void> {
  if (!payment.checkId) return;
  const held = HOLDS_FUNDS.has(payment.status) ? payment.amountCents - payment.refundedCents : 0;
  if (held >= payment.amountCents) return;
  await tx.execute(
    `insert into payments.check_hold (payment_id, tenant_id, status, held_cents, created_at, updated_at)
     values (?, ?, ?, ?, now(), now())
     on conflict (payment_id) do update
       set held_cents = least(check_hold.held_cents, excluded.held_cents), updated_at = now()`,
    [payment.id, payment.tenantId, CheckHoldStatus.LOWERED, held],
  );
}

/**
 * Tells the checks subgraph what a payment holds now, if that is still to be told, and forgets the hold. Safe to
 * repeat and to race: the checks subgraph only ever lowers a reservation. Returns whether there was something to tell.
 */
export async function pushCheckHold(
  em: EntityManager,
  checks: EntityClient,
  paymentId: string,
  requestId: string,
): Promise<boolean> {
  const hold = await em.findOne(
    CheckHold,
    { paymentId, status: { $ne: CheckHoldStatus.RESERVING } },
    { refresh: true },
  );
  if (!hold) return false;
  const { heldCents } = hold;
  await checks.execute(holdPrincipal(hold.tenantId), requestId, 'Check', RELEASE, { paymentId, heldCents });
  // Only what was told: a hold lowered again meanwhile stays, to be told next.
  await em.nativeDelete(CheckHold, { paymentId, heldCents, status: { $ne: CheckHoldStatus.RESERVING } });
  return true;
}

export interface CheckHoldSweepDeps {
  orm: MikroORM;
  checks: EntityClient;
  logger: Logger;
  /** How long a hold may stay `reserving` before the sweep abandons it (default {@link HOLD_GRACE_MS}). */
  graceMs?: number;
}

/**
 * The sweep: abandons the holds of requests that died before recording their payment, then tells the checks
 * subgraph every hold it has yet to hear of (the oldest first).
 */
export async function syncCheckReservations(
  deps: CheckHoldSweepDeps,
  now: Date = new Date(),
): Promise<{ abandoned: number; synced: number }> {
  const em = deps.orm.em.fork();
  const staleBefore = new Date(now.getTime() - (deps.graceMs ?? HOLD_GRACE_MS));
  const abandoned = await em.nativeUpdate(
    CheckHold,
    { status: CheckHoldStatus.RESERVING, createdAt: { $lt: staleBefore } },
    { status: CheckHoldStatus.ABANDONED, heldCents: 0, updatedAt: now },
  );
  const untold = await em.find(
    CheckHold,
    { status: { $ne: CheckHoldStatus.RESERVING } },
    { fields: ['paymentId'], orderBy: { updatedAt: 'asc' }, limit: SWEEP_BATCH },
  );
  let synced = 0;
  for (const { paymentId } of untold) {
    try {
      if (await pushCheckHold(em.fork(), deps.checks, paymentId, `sweep-${randomUUID()}`)) synced += 1;
    } catch (error) {
      deps.logger.warn({ err: error, paymentId }, 'check hold not told to the checks subgraph; retrying next sweep');
    }
  }
  if (abandoned || synced) deps.logger.info({ abandoned, synced }, 'check holds synced');
  return { abandoned, synced };
}
