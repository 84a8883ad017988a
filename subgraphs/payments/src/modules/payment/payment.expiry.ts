import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '@pos/kit';
import type { PaymentProcessor } from '../processor/processor';
import { commitTransition, lockPayment } from './payment.change';
import { Payment, PaymentStatus } from './payment.entity';

/**
 * Payments that carry an `expiresAt` (those made through a hosted checkout, whose link expires then) and are still
 * `pending` after it: the processor's answer never came (the process died between recording the intent and
 * recording the outcome, or the answer was lost). The sweep makes sure nothing is charged — a technical void by our
 * reference, as when the processor is unavailable — and then moves the payment to `expired` through the state
 * machine with its `payment.expired` event, so the funds it held on the order are released and partners hear of it.
 * The payments subgraph knows nothing about checkouts: only that a pending payment has a deadline.
 */

/** The latest `expiresAt` a payment may be given: a checkout longer than a day is no checkout. */
export const MAX_PAYMENT_EXPIRY_MS = 24 * 3600 * 1000;
/** How often each payments process sweeps (every replica may: a payment is expired once, under its row lock). */
export const EXPIRY_SWEEP_INTERVAL_MS = 15_000;
/** At most this many payments per sweep; the next sweep takes the rest. */
const SWEEP_BATCH = 100;
/** Why an expired checkout payment failed (the payment's failureCode). */
export const CHECKOUT_EXPIRED = 'checkout_expired';

/** Problems with a createPayment `expiresAt`, as `name: reason` lines. */
export function expiresAtProblems(expiresAt: unknown, now: Date = new Date()): string[] {
  if (expiresAt === null || expiresAt === undefined) return [];
  if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime())) return ['expiresAt: must be a timestamp'];
  if (expiresAt.getTime() <= now.getTime()) return ['expiresAt: must be in the future'];
  if (expiresAt.getTime() > now.getTime() + MAX_PAYMENT_EXPIRY_MS) return ['expiresAt: at most 24 hours ahead'];
  return [];
}

export interface ExpiryDeps {
  orm: MikroORM;
  processor: PaymentProcessor;
  logger: Logger;
  /**
   * A payment recorded less than this long ago may still be with the processor (a sale that has not timed out yet,
   * then its technical void): it is left alone even past its expiry, so the sweep never races a live request.
   */
  inFlightGraceMs: number;
}

/**
 * Expires every overdue pending payment (see the file comment); returns the ids it expired. A payment whose
 * technical void fails (the processor is down) stays pending for the next sweep: it may have been charged.
 */
export async function expireOverduePayments(deps: ExpiryDeps, now: Date = new Date()): Promise<string[]> {
  const em = deps.orm.em.fork();
  const overdue = await em.find(
    Payment,
    {
      status: PaymentStatus.PENDING,
      expiresAt: { $lt: now },
      createdAt: { $lt: new Date(now.getTime() - deps.inFlightGraceMs) },
    },
    { fields: ['id', 'processorReference'], orderBy: { expiresAt: 'asc' }, limit: SWEEP_BATCH },
  );
  const expired: string[] = [];
  for (const candidate of overdue) {
    try {
      await deps.processor.void({ reference: candidate.id, processorReference: candidate.processorReference });
    } catch (error) {
      deps.logger.warn({ err: error, paymentId: candidate.id }, 'expiry: technical void failed; retrying next sweep');
      continue;
    }
    const done = await em.fork().transactional(async (tx: EntityManager) => {
      const payment = await lockPayment(tx, candidate.id);
      // Its outcome may have been recorded since we looked: then it is not ours to expire.
      if (payment.status !== PaymentStatus.PENDING) return false;
      payment.failureCode = CHECKOUT_EXPIRED;
      await commitTransition(tx, payment, PaymentStatus.EXPIRED);
      return true;
    });
    if (done) expired.push(candidate.id);
  }
  if (expired.length) deps.logger.info({ paymentIds: expired }, 'expired pending payments past their checkout');
  return expired;
}

/**
 * Runs the payments subgraph's sweeps ({@link expireOverduePayments}, the check holds' sync) one after another every
 * {@link EXPIRY_SWEEP_INTERVAL_MS}, one round at a time; a sweep that fails is logged and does not stop the others.
 * `stop` waits for a round under way.
 */
export function startSweeper(
  sweeps: Record<string, () => Promise<unknown>>,
  logger: Logger,
  intervalMs = EXPIRY_SWEEP_INTERVAL_MS,
): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const round = async () => {
    for (const [name, sweep] of Object.entries(sweeps)) {
      await sweep().catch((error: unknown) => logger.error({ err: error, sweep: name }, 'payments sweep failed'));
    }
  };
  const timer = setInterval(() => {
    running ??= round().finally(() => {
      running = null;
    });
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
