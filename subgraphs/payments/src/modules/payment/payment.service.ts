import { LockMode } from '@mikro-orm/core';
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
  DomainError,
  type EntityClient,
  ErrorCode,
  IdempotencyStore,
  entitySnapshot,
  restoreEntity,
  type IdempotencyToken,
  type Logger,
  type PaymentEventType,
  type Principal,
  SCOPES,
  amountProblems,
  badInput,
  conflict,
  currencyProblems,
  mayActAtLocation,
  notFound,
  parseIntIdArg,
  parseUuidArg,
  requireScope,
  textProblems,
  unprocessable,
} from '@pos/kit';
import { pushCheckHold } from '../check/check-reservation';
import { recordPaymentEvent } from '../payment-event/payment-event.outbox';
import { type Level3Request, type PaymentProcessor, ProcessorUnavailableError } from '../processor/processor';
import { Refund, RefundStatus } from '../refund/refund.entity';
import { PaymentCard } from './payment-card.entity';
import { EXTERNAL_PROCESSOR, EntryMode, Payment, type PaymentOrder, PaymentStatus } from './payment.entity';
import { expiresAtProblems } from './payment.expiry';
import type {
  CreatePaymentInput,
  PaymentFilter,
  PaymentListFilter,
  RefundPaymentInput,
  SandboxProcessorOutcomeInput,
} from './payment.inputs';
import {
  HOLDS_FUNDS,
  ProcessorOutcome,
  applyOutcome,
  assertCanTransition,
  isRefundable,
  refundableCents,
  transition,
} from './payment.state';

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

/** A void left unfinished this long ago (a crash between the processor call and its outcome) may be retried. */
const VOID_STALE_MS = 60_000;

/** A payment rebuilt from its idempotency snapshot. */
export const restorePayment = (data: unknown) =>
  restoreEntity(() => new Payment(), data, [
    'createdAt',
    'updatedAt',
    'settledAt',
    'voidRequestedAt',
    'reversalRequestedAt',
    'expiresAt',
  ]);
const restoreRefund = (data: unknown) => restoreEntity(() => new Refund(), data, ['createdAt', 'updatedAt']);

const processorUnavailable = (what: string) =>
  new DomainError(
    ErrorCode.UNAVAILABLE,
    `The payment processor is not available; ${what}. Retry later.`,
    [],
    'processor_unavailable',
  );

/**
 * The refusal a declined payment stands for. A decline is still an answer with a record: the payment exists (with
 * its id and `failureCode`), so the graph reports this beside it and the REST facade answers the payment itself.
 */
export const declineOf = (payment: Payment): DomainError | null =>
  payment.status === PaymentStatus.DECLINED
    ? unprocessable(
        'payment_declined',
        `The card was declined${payment.failureCode ? ` (${payment.failureCode})` : ''}; nothing was charged`,
      )
    : null;

/** How a parent's list of payments is narrowed and ordered. */
export interface PaymentListQuery {
  filter: PaymentListFilter | null;
  orderBy: PaymentOrder | null;
}

/** A failure code as processors spell them, kept in the payment's 64-character failureCode. */
const FAILURE_CODE = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * Payments of the caller's tenant and their one state machine. Every operation that talks to the processor
 * runs in three steps and never holds a transaction across the call: record the intent (and lock what must not
 * be raced), call the processor with our own id as its reference, record the outcome with its outbox event.
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
    const locationIds = filter?.locationIds?.map((id, i) => parseIntIdArg(id, `filter.locationIds[${i}]`));
    const where = {
      $and: [
        { ...callerScope(principal), ...listFilterWhere(filter) },
        locationIds ? { locationId: { $in: locationIds } } : {},
      ],
    };
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

  /** The cards of payments the caller may see (the payments were read within its scope). */
  cardsOf(paymentIds: readonly string[]): Promise<PaymentCard[]> {
    return this.em.find(PaymentCard, { paymentId: { $in: [...paymentIds] } });
  }

  /** Takes a card payment on an order, never beyond what the order still owes. */
  async create(
    principal: Principal,
    input: Omit<CreatePaymentInput, 'idempotencyKey'>,
    idempotencyKey?: string | null,
  ): Promise<{ payment: Payment; replayed: boolean }> {
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

    const store = new IdempotencyStore(this.em);
    // Fingerprinted as before the input's amount was renamed, so a key taken then still replays.
    const { amountMinor, ...request } = input;
    const claim = await store.claimKey(principal, idempotencyKey, 'createPayment', {
      ...request,
      amountCents: amountMinor,
      orderId,
    });
    if (claim?.kind === 'replay') return { payment: restorePayment(claim.response), replayed: true };
    const token = claim?.token ?? null;

    let payment: Payment;
    let order: OrderFacts;
    try {
      const found = await this.deps.orders.fetch<OrderFacts>(
        principal,
        this.deps.requestId,
        'Order',
        orderId,
        ORDER_FACTS,
      );
      if (!found) throw notFound('Order');
      order = found;
      const resumed =
        claim?.kind === 'resume' && claim.resourceId
          ? await this.em.findOne(Payment, { id: claim.resourceId, tenantId: principal.tenantId })
          : null;
      payment = resumed ?? (await this.recordIntent(principal, order, input, token, store));
    } catch (error) {
      await store.abandon(claim);
      throw error;
    }
    if (payment.status !== PaymentStatus.PENDING) {
      // A resumed request whose outcome was recorded: finish the key, answer with the payment.
      if (token) await this.em.transactional((tx) => store.complete(tx, token, payment.id, entitySnapshot(payment)));
      return { payment, replayed: false };
    }
    return { payment: await this.authorise(payment, order, input, token, store), replayed: false };
  }

  /** Step 1 of a payment: under the order's ledger lock, check what it owes and record a pending payment. */
  private recordIntent(
    principal: Principal,
    order: OrderFacts,
    input: Omit<CreatePaymentInput, 'idempotencyKey'>,
    token: IdempotencyToken | null,
    store: IdempotencyStore,
  ): Promise<Payment> {
    if (order.currency !== input.currency) {
      throw unprocessable('currency_mismatch', `The order is in ${order.currency}`, [
        `currency: must be ${order.currency}`,
      ]);
    }
    return this.em.transactional(async (tx) => {
      await lockPayable(tx, principal.tenantId, order.id, 'order');
      const held = await amountHeld(tx, 'order_id', order.id);
      const due = order.total.amountMinor - held;
      if (input.amountMinor > due) {
        throw unprocessable('amount_exceeds_due', 'The amount is more than the order still owes', [
          `amount due: ${Math.max(due, 0)}`,
        ]);
      }
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
      if (token) await store.attach(tx, token, payment.id);
      return payment;
    });
  }

  /** Steps 2 and 3: ask the processor, then record its answer (or undo the sale when no answer came). */
  private async authorise(
    payment: Payment,
    order: OrderFacts,
    input: Omit<CreatePaymentInput, 'idempotencyKey'>,
    token: IdempotencyToken | null,
    store: IdempotencyStore,
  ): Promise<Payment> {
    const { processor, logger } = this.deps;
    let result;
    try {
      result = await processor.sale({
        reference: payment.id,
        amountCents: payment.amountCents,
        currency: payment.currency,
        entryMode: payment.entryMode === EntryMode.CARD_PRESENT ? 'card_present' : 'card_not_present',
        cardToken: input.cardToken,
        // v1.2: card-present sales carry Level 3, with the order's external_reference as customer_reference.
        level3:
          payment.entryMode === EntryMode.CARD_PRESENT && order.level3
            ? {
                customerReference: order.externalReference ?? order.level3.customerReference,
                lineItems: order.level3.lineItems,
              }
            : null,
      });
    } catch (error) {
      if (!(error instanceof ProcessorUnavailableError)) throw error;
      logger.warn({ err: error, paymentId: payment.id, requestId: this.deps.requestId }, 'processor unavailable');
      // The sale may have gone through unseen: void it by our reference before giving up on it.
      await processor.void({ reference: payment.id, processorReference: null }).catch((voidError: unknown) => {
        logger.error({ err: voidError, paymentId: payment.id }, 'technical void failed; reconcile with the processor');
      });
      await this.em.transactional(async (tx) => {
        const current = await lockPayment(tx, payment.id);
        if (current.status !== PaymentStatus.PENDING) return;
        const event = transition(current, PaymentStatus.CANCELLED);
        current.failureCode = 'processor_unavailable';
        await tx.flush();
        if (event) await recordPaymentEvent(tx, current, event);
      });
      if (token) await store.release(token);
      throw processorUnavailable('the payment was cancelled and nothing was charged');
    }
    return this.em.transactional(async (tx) => {
      const current = await lockPayment(tx, payment.id);
      if (current.status === PaymentStatus.PENDING) {
        const event = transition(current, result.approved ? PaymentStatus.APPROVED : PaymentStatus.DECLINED);
        current.processorReference = result.processorReference;
        if (result.approved) current.authorizationCode = result.authorizationCode;
        else current.failureCode = result.declineCode;
        await tx.flush();
        if (event) await recordPaymentEvent(tx, current, event);
      }
      if (token) await store.complete(tx, token, current.id, entitySnapshot(current));
      return current;
    });
  }

  /** Voids an approved payment before its batch settles. */
  async void(
    principal: Principal,
    ids: { paymentId: string; orderId?: string | null },
    idempotencyKey?: string | null,
  ): Promise<{ payment: Payment; replayed: boolean }> {
    const { paymentId, orderId, store, claim } = await this.claimMoneyBack(
      principal,
      ids,
      idempotencyKey,
      'voidPayment',
    );
    if (claim?.kind === 'replay') return { payment: restorePayment(claim.response), replayed: true };
    const token = claim?.token ?? null;

    let payment: Payment;
    try {
      payment = await this.em.transactional(async (tx) => {
        const current = await this.lockOwnPayment(tx, principal, paymentId, orderId);
        // A resumed void whose first attempt marked the payment: carry on with it.
        if (claim?.kind === 'resume' && current.voidRequestedAt) return current;
        if (current.settledAt) {
          throw conflict('payment_settled', 'A settled payment cannot be voided; refund it instead');
        }
        if (current.refundedCents > 0 || (await pendingRefunds(tx, current.id)) > 0) {
          throw conflict('payment_has_refunds', 'A payment with refunds cannot be voided');
        }
        assertOurs(current);
        assertCanTransition(current.status, PaymentStatus.VOIDED);
        assertNotBusy(current);
        current.voidRequestedAt = new Date();
        await tx.flush();
        if (token) await store.attach(tx, token, current.id);
        return current;
      });
    } catch (error) {
      await store.abandon(claim);
      throw error;
    }

    try {
      await this.deps.processor.void({ reference: payment.id, processorReference: payment.processorReference });
    } catch (error) {
      if (!(error instanceof ProcessorUnavailableError)) throw error;
      this.deps.logger.warn({ err: error, paymentId, requestId: this.deps.requestId }, 'processor unavailable');
      await this.em.transactional(async (tx) => {
        const current = await lockPayment(tx, paymentId);
        current.voidRequestedAt = null;
        await tx.flush();
      });
      if (token) await store.release(token);
      throw processorUnavailable('the payment was not voided');
    }

    const voided = await this.em.transactional(async (tx) => {
      const current = await lockPayment(tx, paymentId);
      if (current.status !== PaymentStatus.VOIDED) {
        const event = transition(current, PaymentStatus.VOIDED);
        current.voidRequestedAt = null;
        await tx.flush();
        if (event) await recordPaymentEvent(tx, current, event);
      }
      if (token) await store.complete(tx, token, current.id, entitySnapshot(current));
      return current;
    });
    return { payment: voided, replayed: false };
  }

  /** Refunds part or all of an approved payment; refunds together never exceed what was paid. */
  async refund(
    principal: Principal,
    input: Omit<RefundPaymentInput, 'idempotencyKey'>,
    idempotencyKey?: string | null,
  ): Promise<{ refund: Refund; payment: Payment; replayed: boolean }> {
    requireScope(principal, SCOPES.posRefunds);
    const paymentId = parseUuidArg(input.paymentId, 'paymentId');
    const orderId = input.orderId == null ? null : parseUuidArg(input.orderId, 'orderId');
    const problems = [
      ...(input.amountMinor == null ? [] : amountProblems(input.amountMinor, 'amountMinor', 1)),
      ...textProblems(input.reason, 'reason', 255),
    ];
    if (problems.length) throw badInput('Invalid refund', problems);
    const store = new IdempotencyStore(this.em);
    // Fingerprinted as before the input's amount was renamed, so a key taken then still replays.
    const request = { paymentId, orderId, amountCents: input.amountMinor ?? null, reason: input.reason ?? null };
    const claim = await store.claimKey(principal, idempotencyKey, 'refundPayment', request);
    if (claim?.kind === 'replay') {
      const stored = claim.response as { refund: unknown; payment: unknown };
      return { refund: restoreRefund(stored.refund), payment: restorePayment(stored.payment), replayed: true };
    }
    const token = claim?.token ?? null;

    let refund: Refund;
    let payment: Payment;
    try {
      ({ refund, payment } = await this.em.transactional(async (tx) => {
        const current = await this.lockOwnPayment(tx, principal, paymentId, orderId);
        const resumed =
          claim?.kind === 'resume' && claim.resourceId
            ? await tx.findOne(Refund, { id: claim.resourceId, paymentId })
            : null;
        if (resumed) return { refund: resumed, payment: current };
        assertOurs(current);
        if (!isRefundable(current.status)) {
          throw conflict(
            'payment_not_refundable',
            `A ${current.status.toLowerCase()} payment cannot be refunded; only approved payments can`,
          );
        }
        assertNotBusy(current);
        const refundable = refundableCents(current, await pendingRefunds(tx, current.id));
        const amount = input.amountMinor ?? refundable;
        if (amount < 1 || amount > refundable) {
          throw unprocessable('amount_exceeds_refundable', 'The amount is more than what is left to refund', [
            `refundable: ${Math.max(refundable, 0)}`,
          ]);
        }
        const created = new Refund();
        Object.assign(created, {
          tenantId: principal.tenantId,
          paymentId,
          amountCents: amount,
          currency: current.currency,
          reason: input.reason ?? null,
        });
        tx.persist(created);
        await tx.flush();
        if (token) await store.attach(tx, token, created.id);
        return { refund: created, payment: current };
      }));
    } catch (error) {
      await store.abandon(claim);
      throw error;
    }
    if (refund.status !== RefundStatus.PENDING) {
      if (token) {
        await this.em.transactional((tx) =>
          store.complete(tx, token, refund.id, { refund: entitySnapshot(refund), payment: entitySnapshot(payment) }),
        );
      }
      return { refund, payment, replayed: false };
    }

    let processorReference: string;
    try {
      ({ processorReference } = await this.deps.processor.refund({
        reference: refund.id,
        processorReference: payment.processorReference ?? '',
        amountCents: refund.amountCents,
        currency: refund.currency,
      }));
    } catch (error) {
      if (!(error instanceof ProcessorUnavailableError)) throw error;
      this.deps.logger.warn(
        { err: error, refundId: refund.id, requestId: this.deps.requestId },
        'processor unavailable; refund left pending',
      );
      // Unlike a sale, a refund that may have gone through cannot be undone by a technical void. It stays pending
      // (its amount reserved) and its key stays held: a retry with the same key after the lease resumes this very
      // refund, whose id the processor recognises, instead of sending a second one.
      throw processorUnavailable('the refund is pending; retry with the same Idempotency-Key to complete it');
    }

    return this.em.transactional(async (tx) => {
      const current = await lockPayment(tx, paymentId);
      const pending = await tx.findOneOrFail(Refund, refund.id, {
        lockMode: LockMode.PESSIMISTIC_WRITE,
        refresh: true,
      });
      if (pending.status === RefundStatus.PENDING) {
        pending.status = RefundStatus.SUCCEEDED;
        pending.processorReference = processorReference;
        pending.updatedAt = new Date();
        current.refundedCents += pending.amountCents;
        const event = transition(
          current,
          current.refundedCents === current.amountCents ? PaymentStatus.REFUNDED : PaymentStatus.PARTIALLY_REFUNDED,
        );
        await tx.flush();
        if (event) await recordPaymentEvent(tx, current, event, pending);
      }
      if (token)
        await store.complete(tx, token, pending.id, {
          refund: entitySnapshot(pending),
          payment: entitySnapshot(current),
        });
      return { refund: pending, payment: current, replayed: false };
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
  ): Promise<{ payment: Payment; replayed: boolean }> {
    const { paymentId, orderId, store, claim } = await this.claimMoneyBack(
      principal,
      ids,
      idempotencyKey,
      'reversePayment',
    );
    if (claim?.kind === 'replay') return { payment: restorePayment(claim.response), replayed: true };
    const token = claim?.token ?? null;

    let payment: Payment;
    try {
      payment = await this.em.transactional(async (tx) => {
        const current = await this.lockOwnPayment(tx, principal, paymentId, orderId);
        // A resumed reversal whose first attempt was marked: send it again, the processor knows our reference.
        if (claim?.kind === 'resume' && current.reversalRequestedAt) return current;
        assertOurs(current);
        assertCanTransition(current.status, PaymentStatus.REVERSED);
        assertNotBusy(current);
        // A refund still with the processor could complete after the reversal returned everything.
        if ((await pendingRefunds(tx, current.id)) > 0) {
          throw conflict('payment_busy', 'A refund of this payment is still with the processor; retry shortly');
        }
        current.reversalRequestedAt = new Date();
        await tx.flush();
        if (token) await store.attach(tx, token, current.id);
        return current;
      });
    } catch (error) {
      await store.abandon(claim);
      throw error;
    }

    try {
      await this.deps.processor.reverse({ reference: payment.id, processorReference: payment.processorReference });
    } catch (error) {
      if (!(error instanceof ProcessorUnavailableError)) throw error;
      this.deps.logger.warn({ err: error, paymentId, requestId: this.deps.requestId }, 'processor unavailable');
      // A void's answer is its outcome, so an unanswered void can be unmarked. A reversal's outcome comes later:
      // had this request reached the processor, that outcome would find a payment we had unmarked. So it stays
      // pending (and its key held): the outcome ends it, or a retry with the same key after the lease resends it.
      throw processorUnavailable('the reversal is pending; retry with the same Idempotency-Key to send it again');
    }

    if (!token) return { payment, replayed: false };
    const reversed = await this.em.transactional(async (tx) => {
      const current = await lockPayment(tx, paymentId);
      await store.complete(tx, token, current.id, entitySnapshot(current));
      return current;
    });
    return { payment: reversed, replayed: false };
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
    if (!this.deps.processor.sandbox) {
      throw new DomainError(
        ErrorCode.FORBIDDEN,
        'Processor outcomes can be simulated only with the built-in sandbox processor',
        [],
        'sandbox_only',
      );
    }
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
      const payment = await this.lockOwnPayment(tx, principal, paymentId, null);
      const eventType = await this.recordOutcome(tx, payment, input.outcome, input.reason ?? null);
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

  /**
   * One processor outcome on a payment locked in `tx`, with its outbox event in the same transaction; whatever the
   * state machine refuses throws before anything is written. The step a processor callback route would share.
   */
  private async recordOutcome(
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
    await tx.flush();
    await recordPaymentEvent(tx, payment, event);
    return event;
  }

  /**
   * Closes a location's batch: its approved payments settle with the processor, after which they can only be
   * refunded, not voided (what a POS does at the end of a day).
   */
  async closeBatch(
    principal: Principal,
    locationIdArg: string,
    idempotencyKey?: string | null,
  ): Promise<{ settledCount: number; replayed: boolean }> {
    requireScope(principal, SCOPES.posPayments);
    const locationId = parseIntIdArg(locationIdArg, 'locationId');
    if (!mayActAtLocation(principal, locationId)) throw notFound('Location');
    // Settling moves money, so a retried close answers what the first one settled instead of "0 settled".
    const store = new IdempotencyStore(this.em);
    const claim = await store.claimKey(principal, idempotencyKey, 'closeBatch', { locationId });
    if (claim?.kind === 'replay') {
      return { settledCount: (claim.response as { settledCount: number }).settledCount, replayed: true };
    }
    const token = claim?.token ?? null;
    try {
      // A resumed close (the first attempt went quiet) simply closes again: what it settled is settled, and the
      // processor is told the rest again, as on any second close.
      const settledCount = await this.settleBatch(principal, locationId, async (tx, count) => {
        if (token) await store.complete(tx, token, String(locationId), { settledCount: count });
      });
      return { settledCount, replayed: false };
    } catch (error) {
      if (token) await store.release(token);
      throw error;
    }
  }

  /**
   * Settles the location's open batch with the processor; `done` runs in the transaction that marks it settled (or
   * in its own when there was nothing to settle), so an idempotency key completes with the outcome.
   */
  private async settleBatch(
    principal: Principal,
    locationId: number,
    done: (tx: EntityManager, settledCount: number) => Promise<void>,
  ): Promise<number> {
    // Locations belong to the orders subgraph: another partner's (or no) location is not found, as everywhere else,
    // rather than a batch of nothing.
    const location = await this.deps.orders.fetch<{ id: string }>(
      principal,
      this.deps.requestId,
      'Location',
      String(locationId),
      'id',
    );
    if (!location) throw notFound('Location');
    const open = {
      tenantId: principal.tenantId,
      locationId,
      // Sales registered by mobile providers settle in their processor's batches, not in ours.
      processor: { $ne: EXTERNAL_PROCESSOR },
      status: { $in: [PaymentStatus.APPROVED, PaymentStatus.PARTIALLY_REFUNDED] },
      settledAt: null,
      voidRequestedAt: null,
      // A payment being reversed is the processor's to void or refund; submitting it for settlement races that.
      reversalRequestedAt: null,
    };
    const batch = await this.em.find(Payment, open, { fields: ['id', 'processorReference'] });
    if (!batch.length) {
      await this.em.transactional((tx) => done(tx, 0));
      return 0;
    }
    try {
      await this.deps.processor.settle(batch.map((p) => p.processorReference ?? p.id));
    } catch (error) {
      // An expected outcome the client can retry, not an internal error. Nothing is marked settled: until a
      // close succeeds the payments stay voidable here, and closing again names them to the processor again.
      if (!(error instanceof ProcessorUnavailableError)) throw error;
      this.deps.logger.warn({ err: error, locationId, requestId: this.deps.requestId }, 'processor unavailable');
      throw processorUnavailable('the batch was not closed');
    }
    return this.em.transactional(async (tx) => {
      const settled = await tx.find(
        Payment,
        { ...open, id: { $in: batch.map((p) => p.id) } },
        { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
      );
      const now = new Date();
      for (const payment of settled) {
        payment.settledAt = now;
        payment.version += 1;
        payment.updatedAt = now;
      }
      await tx.flush();
      await done(tx, settled.length);
      return settled.length;
    });
  }

  /** How a void or a reversal starts: the scope, the ids, and the claim of its idempotency key. */
  private async claimMoneyBack(
    principal: Principal,
    ids: { paymentId: string; orderId?: string | null },
    idempotencyKey: string | null | undefined,
    operation: 'voidPayment' | 'reversePayment',
  ) {
    requireScope(principal, SCOPES.posRefunds);
    const paymentId = parseUuidArg(ids.paymentId, 'paymentId');
    const orderId = ids.orderId == null ? null : parseUuidArg(ids.orderId, 'orderId');
    const store = new IdempotencyStore(this.em);
    const claim = await store.claimKey(principal, idempotencyKey, operation, { paymentId, orderId });
    return { paymentId, orderId, store, claim };
  }

  /** A payment of the caller (tenant and locations), locked for this transaction; 404 otherwise. */
  private async lockOwnPayment(
    tx: EntityManager,
    principal: Principal,
    paymentId: string,
    orderId: string | null,
  ): Promise<Payment> {
    const payment = await tx.findOne(
      Payment,
      { id: paymentId, ...callerScope(principal), ...(orderId ? { orderId } : {}) },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    if (!payment) throw notFound('Payment');
    return payment;
  }
}

function lockPayment(tx: EntityManager, paymentId: string): Promise<Payment> {
  return tx.findOneOrFail(Payment, paymentId, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
}

/** A sale a mobile provider ran with its own processor is voided or refunded there, never through ours. */
function assertOurs(payment: Payment): void {
  if (payment.processor === EXTERNAL_PROCESSOR) {
    throw conflict(
      'payment_external',
      'This payment was registered by a mobile payment provider; void or refund it with that provider',
    );
  }
}

/** A void marked recently enough that its outcome may still come; an older mark is a crashed attempt. */
const voidInProgress = (payment: Payment) =>
  payment.voidRequestedAt !== null && Date.now() - payment.voidRequestedAt.getTime() < VOID_STALE_MS;

/** Refuses to move money while a void or a reversal of the payment has not finished. */
function assertNotBusy(payment: Payment): void {
  // A pending reversal never goes stale: only the processor's outcome ends it, since it may already be under way.
  if (payment.reversalRequestedAt) {
    throw conflict(
      'reversal_pending',
      'A reversal of this payment is waiting for the processor; retry once it has settled or failed',
    );
  }
  if (voidInProgress(payment)) {
    throw conflict('payment_busy', 'A void of this payment is in progress; retry shortly');
  }
}

/** Creates the ledger row of an order or check if needed and locks it until the transaction ends. */
export async function lockPayable(tx: EntityManager, tenantId: string, id: string, kind: 'order' | 'check') {
  await tx.execute(
    `insert into payments.payable (id, tenant_id, kind, created_at) values (?, ?, ?, now()) on conflict (id) do nothing`,
    [id, tenantId, kind],
  );
  await tx.execute(`select id from payments.payable where id = ? for update`, [id]);
}

/** What payments against an order or check hold: approved or pending amounts, less what was refunded. */
export async function amountHeld(tx: EntityManager, column: 'order_id' | 'check_id', id: string): Promise<number> {
  return (await amountsHeld(tx, column, [id])).get(id) ?? 0;
}

/** {@link amountHeld} of many orders or checks in one query, optionally only the payments of one tenant. */
export async function amountsHeld(
  em: EntityManager,
  column: 'order_id' | 'check_id',
  ids: readonly string[],
  tenantId?: string,
): Promise<Map<string, number>> {
  if (!ids.length) return new Map();
  const list = (values: readonly unknown[]) => values.map(() => '?').join(', ');
  const rows = await em.execute<{ id: string; held: string }[]>(
    `select ${column} as id, sum(amount_cents - refunded_cents)::text as held from payments.payment
     where ${column} in (${list(ids)}) and status in (${list([...HOLDS_FUNDS])})
     ${tenantId ? 'and tenant_id = ?' : ''} group by ${column}`,
    [...ids, ...HOLDS_FUNDS, ...(tenantId ? [tenantId] : [])],
  );
  return new Map(rows.map((row) => [row.id, Number(row.held)]));
}

async function pendingRefunds(tx: EntityManager, paymentId: string): Promise<number> {
  const [row] = await tx.execute<{ pending: string }[]>(
    `select coalesce(sum(amount_cents), 0)::text as pending from payments.refund where payment_id = ? and status = ?`,
    [paymentId, RefundStatus.PENDING],
  );
  return Number(row.pending);
}
