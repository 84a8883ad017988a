import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type Logger,
  type PageRequest,
  type Principal,
  SCOPES,
  SortDirection,
  amountProblems,
  badInput,
  entitySnapshot,
  paginateMany,
  parseUuidArg,
  requireScope,
  restoreEntity,
  textProblems,
  type IdempotencyCodec,
} from '@pos/kit';
import type { Payment } from '../payment/payment.entity';
import { PaymentStatus } from '../payment/payment.entity';
import { commitTransition, lockOwnPayment, lockPayment } from '../payment/payment.change';
import { paymentErrors } from '../payment/payment.errors';
import { assertNotBusy, assertOurs } from '../payment/payment.guards';
import { RequestKey, restorePayment } from '../payment/payment.idempotency';
import type { RefundPaymentInput } from '../payment/payment.inputs';
import { pendingRefunds } from '../payment/payment.ledger';
import { isRefundable, refundableCents } from '../payment/payment.state';
import { runProcessorStep } from '../payment/processor-step';
import type { PaymentProcessor } from '../processor/processor';
import { Refund, RefundStatus } from './refund.entity';

export interface RefundDeps {
  processor: PaymentProcessor;
  logger: Logger;
  requestId: string;
}

/** The answer of a refund request: the refund and its payment as the refund left it. */
export interface RefundAnswer {
  refund: Refund;
  payment: Payment;
  replayed: boolean;
}

const restoreRefund = (data: unknown) => restoreEntity(() => new Refund(), data, ['createdAt', 'updatedAt']);

const REFUND_ANSWER: IdempotencyCodec<RefundAnswer> = {
  id: (answer) => answer.refund.id,
  snapshot: (answer) => ({ refund: entitySnapshot(answer.refund), payment: entitySnapshot(answer.payment) }),
  restore: (stored) => {
    const { refund, payment } = stored as { refund: unknown; payment: unknown };
    return { refund: restoreRefund(refund), payment: restorePayment(payment), replayed: true };
  },
};

/**
 * Refunds of the caller's payments: read, and made with the processor. Refunds of a payment together never exceed
 * what was paid: one still with the processor already counts against what is refundable.
 */
export class RefundService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: RefundDeps,
  ) {}

  /** The same page of refunds of each of these payments (read within the caller's scope), oldest first. */
  refundPages(principal: Principal, paymentIds: readonly string[], page: PageRequest) {
    return paginateMany(this.em, Refund, 'paymentId', paymentIds, { tenantId: principal.tenantId }, page, {
      direction: SortDirection.ASC,
    });
  }

  /** Refunds of payments the caller may see (the payments were read within its scope). */
  refundsOf(paymentIds: readonly string[]): Promise<Refund[]> {
    return this.em.find(Refund, { paymentId: { $in: [...paymentIds] } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /** Refunds part or all of an approved payment; refunds together never exceed what was paid. */
  async refund(
    principal: Principal,
    input: Omit<RefundPaymentInput, 'idempotencyKey'>,
    idempotencyKey?: string | null,
  ): Promise<RefundAnswer> {
    requireScope(principal, SCOPES.posRefunds);
    const paymentId = parseUuidArg(input.paymentId, 'paymentId');
    const orderId = input.orderId == null ? null : parseUuidArg(input.orderId, 'orderId');
    const problems = [
      ...(input.amountMinor == null ? [] : amountProblems(input.amountMinor, 'amountMinor', 1)),
      ...textProblems(input.reason, 'reason', 255),
    ];
    if (problems.length) throw badInput('Invalid refund', problems);
    // Fingerprinted as before the input's amount was renamed, so a key taken then still replays.
    const request = { paymentId, orderId, amountCents: input.amountMinor ?? null, reason: input.reason ?? null };
    const key = await RequestKey.claim(this.em, principal, idempotencyKey, 'refundPayment', request, REFUND_ANSWER);
    if (key.replay) return key.replay;

    return runProcessorStep(this.em, this.deps, {
      key,
      intent: () =>
        this.em.transactional(async (tx) => {
          const payment = await lockOwnPayment(tx, principal, paymentId, orderId);
          const resumed = key.resumedId ? await tx.findOne(Refund, { id: key.resumedId, paymentId }) : null;
          return { payment, refund: resumed ?? (await this.recordIntent(tx, principal, payment, input, key)) };
        }),
      recorded: ({ refund, payment }) =>
        refund.status === RefundStatus.PENDING ? null : { refund, payment, replayed: false },
      call: ({ refund, payment }) =>
        this.deps.processor.refund({
          reference: refund.id,
          processorReference: payment.processorReference ?? '',
          amountCents: refund.amountCents,
          currency: refund.currency,
        }),
      onUnavailable: {
        logAs: ({ refund }) => ({ refundId: refund.id }),
        logNote: 'refund left pending',
        // Unlike a sale, a refund that may have gone through cannot be undone by a technical void. It stays pending
        // (its amount reserved) and its key stays held: a retry with the same key after the lease resumes this very
        // refund, whose id the processor recognises, instead of sending a second one.
        key: 'hold',
        answer: 'the refund is pending; retry with the same Idempotency-Key to complete it',
      },
      outcome: (tx, { refund }, { processorReference }) =>
        this.recordSuccess(tx, paymentId, refund.id, processorReference),
    });
  }

  /** Step 1 of a refund, on the payment locked in `tx`: within what is left to refund, record a pending refund. */
  private async recordIntent(
    tx: EntityManager,
    principal: Principal,
    payment: Payment,
    input: Omit<RefundPaymentInput, 'idempotencyKey'>,
    key: RequestKey<RefundAnswer>,
  ): Promise<Refund> {
    assertOurs(payment);
    if (!isRefundable(payment.status)) throw paymentErrors.notRefundable(payment.status);
    assertNotBusy(payment);
    const refundable = refundableCents(payment, await pendingRefunds(tx, payment.id));
    const amount = input.amountMinor ?? refundable;
    if (amount < 1 || amount > refundable) throw paymentErrors.amountExceedsRefundable(refundable);
    const created = new Refund();
    Object.assign(created, {
      tenantId: principal.tenantId,
      paymentId: payment.id,
      amountCents: amount,
      currency: payment.currency,
      reason: input.reason ?? null,
    });
    tx.persist(created);
    await tx.flush();
    await key.attach(tx, created.id);
    return created;
  }

  /** Step 3: the processor returned the money; the payment shows it, with its payment.refunded event. */
  private async recordSuccess(
    tx: EntityManager,
    paymentId: string,
    refundId: string,
    processorReference: string,
  ): Promise<RefundAnswer> {
    const payment = await lockPayment(tx, paymentId);
    const refund = await tx.findOneOrFail(Refund, refundId, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (refund.status === RefundStatus.PENDING) {
      refund.status = RefundStatus.SUCCEEDED;
      refund.processorReference = processorReference;
      refund.updatedAt = new Date();
      payment.refundedCents += refund.amountCents;
      const to =
        payment.refundedCents === payment.amountCents ? PaymentStatus.REFUNDED : PaymentStatus.PARTIALLY_REFUNDED;
      await commitTransition(tx, payment, to, refund);
    }
    return { refund, payment, replayed: false };
  }
}
