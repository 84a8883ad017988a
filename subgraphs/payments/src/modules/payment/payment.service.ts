import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type ConnectionArgs,
  type ConnectionPage,
  type PageRequest,
  SortDirection,
  callerScope,
  createdAtDirection,
  listFilterWhere,
  paginate,
  paginateMany,
  badInput,
  type EntityClient,
  type Logger,
  type PaymentEventType,
  type Principal,
  SCOPES,
  amountProblems,
  currencyProblems,
  mayActAtLocation,
  notFound,
  parseUuidArg,
  requireScope,
  textProblems,
  callerListWhere,
} from '@pos/kit';
import { pushCheckHold } from '../check/check-reservation';
import type { Level3Request, PaymentProcessor, SaleRequest, SaleResult } from '../processor/processor';
import { PaymentCard } from './payment-card.entity';
import { commitChange, commitTransition, lockOwnPayment, lockPayment } from './payment.change';
import { EntryMode, Payment, type PaymentOrder, PaymentStatus } from './payment.entity';
import { paymentErrors } from './payment.errors';
import { expiresAtProblems } from './payment.expiry';
import { assertNotBusy, assertOurs, voidInProgress } from './payment.guards';
import { PAYMENT_ANSWER, type PaymentAnswer, RequestKey } from './payment.idempotency';
import type {
  CreatePaymentInput,
  PaymentFilter,
  PaymentListFilter,
  SandboxProcessorOutcomeInput,
} from './payment.inputs';
import { amountHeld, lockPayable, pendingRefunds } from './payment.ledger';
import { ProcessorOutcome, applyOutcome, assertCanTransition } from './payment.state';
import { runProcessorStep } from './processor-step';

export interface PaymentDeps {
  processor: PaymentProcessor;
  /** The orders subgraph, read through the graph for the order being paid. */
  orders: EntityClient;
  /** The checks subgraph, told when a payment on a check holds less (its reservation there is lowered). */
  checks: EntityClient;
  logger: Logger;
  requestId: string;
}

/** What paying an order needs to know about it, read from the orders subgraph as the caller. */
interface OrderFacts {
  id: string;
  location: { id: string };
  currency: string;
  total: { amountMinor: number };
  externalReference: string | null;
  level3: Level3Request | null;
}
const ORDER_FACTS = `id location { id } currency total { amountMinor } externalReference
  level3 { customerReference lineItems { productCode description quantity unitOfMeasure unitCostCents taxCents discountCents } }`;

/** How a parent's list of payments is narrowed and ordered. */
export interface PaymentListQuery {
  filter: PaymentListFilter | null;
  orderBy: PaymentOrder | null;
}

/** A void or a reversal of one of the caller's payments, with its idempotency key claimed. */
interface MoneyBack {
  paymentId: string;
  orderId: string | null;
  key: RequestKey<PaymentAnswer>;
}

/** A failure code as processors spell them, kept in the payment's 64-character failureCode. */
const FAILURE_CODE = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * Payments of the caller's tenant, read, and taken, voided or reversed with the processor, each a movement of money
 * in three steps (processor-step.ts). Refunds are the refund service's, batch closes the settlement service's.
 */
export class PaymentService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: PaymentDeps,
  ) {}

  byIds(principal: Principal, ids: readonly string[]): Promise<Payment[]> {
    return this.em.find(Payment, { id: { $in: [...ids] }, ...callerScope(principal) });
  }

  /**
   * One page of the caller's payments (Query.payments), newest first unless `orderBy` says otherwise, under the same
   * scope as every payment read: the caller's tenant, and a POS user's own locations.
   */
  list(
    principal: Principal,
    filter: PaymentFilter | null,
    orderBy: PaymentOrder | null,
    page: ConnectionArgs,
  ): Promise<ConnectionPage<Payment>> {
    const where = callerListWhere(principal, filter);
    return paginate(this.em, Payment, where, page, { direction: createdAtDirection(orderBy, SortDirection.DESC) });
  }

  /**
   * The same page of the caller's payments of each of these orders, checks or locations (Order.payments,
   * Check.payments, Location.payments), oldest first unless `orderBy` says otherwise, in one query; a location the
   * caller may not act at has none.
   */
  pagesOf<K extends string | number>(
    principal: Principal,
    parent: 'orderId' | 'checkId' | 'locationId',
    ids: readonly K[],
    query: PaymentListQuery,
    page: PageRequest,
  ): Promise<Map<K, ConnectionPage<Payment>>> {
    const allowed = parent === 'locationId' ? ids.filter((id) => mayActAtLocation(principal, Number(id))) : ids;
    const where = { ...callerScope(principal), ...listFilterWhere(query.filter) };
    return paginateMany(this.em, Payment, parent, allowed, where, page, {
      direction: createdAtDirection(query.orderBy, SortDirection.ASC),
    });
  }

  /** The cards of payments the caller may see (the payments were read within its scope). */
  cardsOf(paymentIds: readonly string[]): Promise<PaymentCard[]> {
    return this.em.find(PaymentCard, { paymentId: { $in: [...paymentIds] } });
  }

  /** Takes a card payment on an order, never beyond what the order still owes. */
  async create(
    principal: Principal,
    input: Omit<CreatePaymentInput, 'idempotencyKey'>,
    idempotencyKey?: string | null,
  ): Promise<PaymentAnswer> {
    requireScope(principal, SCOPES.posPayments);
    const orderId = parseUuidArg(input.orderId, 'orderId');
    const problems = [
      ...amountProblems(input.amountMinor, 'amountMinor', 1),
      ...currencyProblems(input.currency),
      ...textProblems(input.cardToken, 'cardToken', 128, true),
    ];
    if (!Object.values(EntryMode).includes(input.entryMode))
      problems.push('entryMode: CARD_PRESENT or CARD_NOT_PRESENT');
    problems.push(...expiresAtProblems(input.expiresAt));
    if (problems.length) throw badInput('Invalid payment', problems);

    // Fingerprinted as before the input's amount was renamed, so a key taken then still replays.
    const { amountMinor, ...rest } = input;
    const request = { ...rest, amountCents: amountMinor, orderId };
    const key = await RequestKey.claim(this.em, principal, idempotencyKey, 'createPayment', request, PAYMENT_ANSWER);
    if (key.replay) return key.replay;

    return runProcessorStep(this.em, this.deps, {
      key,
      intent: async () => {
        const order = await this.deps.orders.fetch<OrderFacts>(
          principal,
          this.deps.requestId,
          'Order',
          orderId,
          ORDER_FACTS,
        );
        if (!order) throw notFound('Order');
        const resumed = key.resumedId
          ? await this.em.findOne(Payment, { id: key.resumedId, tenantId: principal.tenantId })
          : null;
        return { order, payment: resumed ?? (await this.recordIntent(principal, order, input, key)) };
      },
      // A resumed request whose outcome was recorded: finish the key, answer with the payment.
      recorded: ({ payment }) => (payment.status === PaymentStatus.PENDING ? null : { payment, replayed: false }),
      call: ({ payment, order }) => this.deps.processor.sale(saleOf(payment, order, input.cardToken)),
      onUnavailable: {
        logAs: ({ payment }) => ({ paymentId: payment.id }),
        compensate: ({ payment }) => this.cancelUnanswered(payment),
        key: 'release',
        answer: 'the payment was cancelled and nothing was charged',
      },
      outcome: async (tx, { payment }, sale) => ({ payment: await recordSale(tx, payment.id, sale), replayed: false }),
    });
  }

  /** Step 1 of a payment: under the order's ledger lock, check what it owes and record a pending payment. */
  private recordIntent(
    principal: Principal,
    order: OrderFacts,
    input: Omit<CreatePaymentInput, 'idempotencyKey'>,
    key: RequestKey<PaymentAnswer>,
  ): Promise<Payment> {
    if (order.currency !== input.currency) throw paymentErrors.currencyMismatch(order.currency);
    return this.em.transactional(async (tx) => {
      await lockPayable(tx, principal.tenantId, order.id, 'order');
      const due = order.total.amountMinor - (await amountHeld(tx, 'order_id', order.id));
      if (input.amountMinor > due) throw paymentErrors.amountExceedsDue(due);
      const payment = new Payment();
      Object.assign(payment, {
        tenantId: principal.tenantId,
        locationId: Number(order.location.id),
        orderId: order.id,
        amountCents: input.amountMinor,
        currency: input.currency,
        entryMode: input.entryMode,
        expiresAt: input.expiresAt ?? null,
      });
      tx.persist(payment);
      await tx.flush();
      await key.attach(tx, payment.id);
      return payment;
    });
  }

  /** A sale the processor did not answer: undone at the processor, and the payment cancelled here. */
  private async cancelUnanswered(payment: Payment): Promise<void> {
    const { processor, logger } = this.deps;
    // The sale may have gone through unseen: void it by our reference before giving up on it.
    await processor.void({ reference: payment.id, processorReference: null }).catch((voidError: unknown) => {
      logger.error({ err: voidError, paymentId: payment.id }, 'technical void failed; reconcile with the processor');
    });
    await this.em.transactional(async (tx) => {
      const current = await lockPayment(tx, payment.id);
      if (current.status !== PaymentStatus.PENDING) return;
      current.failureCode = 'processor_unavailable';
      await commitTransition(tx, current, PaymentStatus.CANCELLED);
    });
  }

  /** Voids an approved payment before its batch settles. */
  async void(
    principal: Principal,
    ids: { paymentId: string; orderId?: string | null },
    idempotencyKey?: string | null,
  ): Promise<PaymentAnswer> {
    const moneyBack = await this.claimMoneyBack(principal, ids, idempotencyKey, 'voidPayment');
    const { paymentId, key } = moneyBack;
    if (key.replay) return key.replay;

    return runProcessorStep(this.em, this.deps, {
      key,
      intent: () =>
        this.markMoneyBack(principal, moneyBack, 'voidRequestedAt', async (tx, payment) => {
          if (payment.settledAt) throw paymentErrors.settled();
          if (payment.refundedCents > 0 || (await pendingRefunds(tx, payment.id)) > 0) {
            throw paymentErrors.hasRefunds();
          }
          assertOurs(payment);
          assertCanTransition(payment.status, PaymentStatus.VOIDED);
          assertNotBusy(payment);
        }),
      call: (payment) =>
        this.deps.processor.void({ reference: payment.id, processorReference: payment.processorReference }),
      onUnavailable: {
        logAs: () => ({ paymentId }),
        // A void's answer is its outcome: unanswered, the payment is unmarked and stays as it was.
        compensate: () =>
          this.em.transactional(async (tx) => {
            const current = await lockPayment(tx, paymentId);
            current.voidRequestedAt = null;
            await tx.flush();
          }),
        key: 'release',
        answer: 'the payment was not voided',
      },
      outcome: async (tx) => {
        const current = await lockPayment(tx, paymentId);
        if (current.status !== PaymentStatus.VOIDED) {
          current.voidRequestedAt = null;
          await commitTransition(tx, current, PaymentStatus.VOIDED);
        }
        return { payment: current, replayed: false };
      },
    });
  }

  /**
   * Asks the processor to reverse a payment (void it if not yet settled, else refund the whole remaining amount).
   * The processor decides asynchronously, so this only records that a reversal is pending: no status change and no
   * event until its outcome arrives ({@link PaymentService.sandboxOutcome} in the sandbox). Until then voids, refunds
   * and further reversals of the payment answer 409 `reversal_pending`.
   */
  async reverse(
    principal: Principal,
    ids: { paymentId: string; orderId?: string | null },
    idempotencyKey?: string | null,
  ): Promise<PaymentAnswer> {
    const moneyBack = await this.claimMoneyBack(principal, ids, idempotencyKey, 'reversePayment');
    const { paymentId, key } = moneyBack;
    if (key.replay) return key.replay;

    return runProcessorStep(this.em, this.deps, {
      key,
      intent: () =>
        this.markMoneyBack(principal, moneyBack, 'reversalRequestedAt', async (tx, payment) => {
          assertOurs(payment);
          assertCanTransition(payment.status, PaymentStatus.REVERSED);
          assertNotBusy(payment);
          // A refund still with the processor could complete after the reversal returned everything.
          if ((await pendingRefunds(tx, payment.id)) > 0) throw paymentErrors.refundInProgress();
        }),
      call: (payment) =>
        this.deps.processor.reverse({ reference: payment.id, processorReference: payment.processorReference }),
      onUnavailable: {
        logAs: () => ({ paymentId }),
        // A void's answer is its outcome, so an unanswered void can be unmarked. A reversal's outcome comes later:
        // had this request reached the processor, that outcome would find a payment we had unmarked. So it stays
        // pending (and its key held): the outcome ends it, or a retry with the same key after the lease resends it.
        key: 'hold',
        answer: 'the reversal is pending; retry with the same Idempotency-Key to send it again',
      },
      // Nothing to record until the outcome arrives: the answer is the payment as marked for the reversal.
      outcome: async (tx) => ({ payment: await lockPayment(tx, paymentId), replayed: false }),
      unkeyed: (payment) => ({ payment, replayed: false }),
    });
  }

  /**
   * Sandbox only: applies, as if the processor had reported it, one outcome the processor would send later (an
   * authorisation that expired, a reversal that settled or failed) to a payment of the caller, so every event type
   * can be produced. Refused with FORBIDDEN `sandbox_only` when a real processor is configured.
   */
  async sandboxOutcome(
    principal: Principal,
    input: SandboxProcessorOutcomeInput,
  ): Promise<{ payment: Payment; eventType: PaymentEventType }> {
    requireScope(principal, SCOPES.posPayments);
    if (!this.deps.processor.sandbox) throw paymentErrors.sandboxOnly();
    const paymentId = parseUuidArg(input.paymentId, 'paymentId');
    const problems: string[] = [];
    if (!Object.values(ProcessorOutcome).includes(input.outcome)) {
      problems.push(`outcome: one of ${Object.values(ProcessorOutcome).join(', ')}`);
    }
    if (input.reason != null) {
      if (input.outcome !== ProcessorOutcome.REVERSAL_FAILED) problems.push('reason: only for REVERSAL_FAILED');
      else if (typeof input.reason !== 'string' || !FAILURE_CODE.test(input.reason))
        problems.push('reason: a failure code of at most 64 characters: a-z, 0-9 and _, starting with a letter');
    }
    if (problems.length) throw badInput('Invalid processor outcome', problems);
    const result = await this.em.transactional(async (tx) => {
      const payment = await lockOwnPayment(tx, principal, paymentId, null);
      const eventType = await recordOutcome(tx, payment, input.outcome, input.reason ?? null);
      return { payment, eventType };
    });
    if (result.payment.checkId) await this.releaseOnCheck(result.payment.id);
    return result;
  }

  /**
   * Tells the checks subgraph at once that a payment on a check holds less (lowerCheckHold marked it in the
   * change's transaction), so the check can be edited down again; if that fails, the sweep tells it.
   */
  private async releaseOnCheck(paymentId: string): Promise<void> {
    await pushCheckHold(this.em, this.deps.checks, paymentId, this.deps.requestId).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, paymentId }, 'check hold not lowered; the sweep will lower it');
    });
  }

  /** How a void or a reversal starts: the scope, the ids, and the claim of its idempotency key. */
  private async claimMoneyBack(
    principal: Principal,
    ids: { paymentId: string; orderId?: string | null },
    idempotencyKey: string | null | undefined,
    operation: 'voidPayment' | 'reversePayment',
  ): Promise<MoneyBack> {
    requireScope(principal, SCOPES.posRefunds);
    const paymentId = parseUuidArg(ids.paymentId, 'paymentId');
    const orderId = ids.orderId == null ? null : parseUuidArg(ids.orderId, 'orderId');
    const request = { paymentId, orderId };
    const key = await RequestKey.claim(this.em, principal, idempotencyKey, operation, request, PAYMENT_ANSWER);
    return { paymentId, orderId, key };
  }

  /**
   * Step 1 of a void or a reversal: the caller's payment, locked, refused by `assertMay` or marked with when the
   * movement was asked for (which keeps other movements off it meanwhile), its key attached. A resumed request whose
   * first attempt marked the payment carries on with it: sent again, the processor knows our reference.
   */
  private markMoneyBack(
    principal: Principal,
    { paymentId, orderId, key }: MoneyBack,
    mark: 'voidRequestedAt' | 'reversalRequestedAt',
    assertMay: (tx: EntityManager, payment: Payment) => Promise<void>,
  ): Promise<Payment> {
    return this.em.transactional(async (tx) => {
      const current = await lockOwnPayment(tx, principal, paymentId, orderId);
      if (key.resumed && current[mark]) return current;
      await assertMay(tx, current);
      current[mark] = new Date();
      await tx.flush();
      await key.attach(tx, current.id);
      return current;
    });
  }
}

/** What the processor is asked to charge for a payment on an order. */
function saleOf(payment: Payment, order: OrderFacts, cardToken: string): SaleRequest {
  return {
    reference: payment.id,
    amountCents: payment.amountCents,
    currency: payment.currency,
    entryMode: payment.entryMode === EntryMode.CARD_PRESENT ? 'card_present' : 'card_not_present',
    cardToken,
    // v1.2: card-present sales carry Level 3, with the order's external_reference as customer_reference.
    level3:
      payment.entryMode === EntryMode.CARD_PRESENT && order.level3
        ? {
            customerReference: order.externalReference ?? order.level3.customerReference,
            lineItems: order.level3.lineItems,
          }
        : null,
  };
}

/** Step 3 of a payment: the processor's approval or decline, unless an outcome was recorded meanwhile. */
async function recordSale(tx: EntityManager, paymentId: string, sale: SaleResult): Promise<Payment> {
  const payment = await lockPayment(tx, paymentId);
  if (payment.status === PaymentStatus.PENDING) {
    payment.processorReference = sale.processorReference;
    if (sale.approved) payment.authorizationCode = sale.authorizationCode;
    else payment.failureCode = sale.declineCode;
    await commitTransition(tx, payment, sale.approved ? PaymentStatus.APPROVED : PaymentStatus.DECLINED);
  }
  return payment;
}

/**
 * One processor outcome on a payment locked in `tx`, with its outbox event in the same transaction; whatever the
 * state machine refuses throws before anything is written. The step a processor callback route would share.
 */
async function recordOutcome(
  tx: EntityManager,
  payment: Payment,
  outcome: ProcessorOutcome,
  reason: string | null,
): Promise<PaymentEventType> {
  const event = applyOutcome(payment, outcome, {
    pendingRefundCents: await pendingRefunds(tx, payment.id),
    voidInProgress: voidInProgress(payment),
    reason,
  });
  await commitChange(tx, payment, event);
  return event;
}
