import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  DomainError,
  type EntityClient,
  type Logger,
  type Principal,
  SCOPES,
  amountProblems,
  badInput,
  conflict,
  encrypt,
  entitySnapshot,
  mulDivRound,
  notFound,
  parseIntIdArg,
  requireScope,
  textProblems,
  unprocessable,
  type IdempotencyCodec,
} from '@pos/kit';
import { PaymentCard } from '../payment/payment-card.entity';
import { commitChange } from '../payment/payment.change';
import { EXTERNAL_PROCESSOR, EntryMode, Payment, PaymentStatus } from '../payment/payment.entity';
import { RequestKey, restorePayment } from '../payment/payment.idempotency';
import { amountHeld, amountsHeld, lockPayable } from '../payment/payment.ledger';
import { transition } from '../payment/payment.state';
import { abandonHold, claimHold, openHold, pushCheckHold } from './check-reservation';
import type { CheckCardInput, PayCheckInput } from './check.inputs';

/** The sale payCheck registers: its input less the idempotency key. */
export type CheckSale = Omit<PayCheckInput, 'idempotencyKey'>;

export interface CheckPaymentDeps {
  /** The checks subgraph: reserves the amount on the check being paid, and reads it. */
  checks: EntityClient;
  /** The orders subgraph, read for the order a check belongs to (one bill, one ledger). */
  orders: EntityClient;
  /** Seals the card's processor tokens at rest. */
  cardKey: Buffer;
  logger: Logger;
  requestId: string;
  now?: () => Date;
}

/** What paying a check needs to know about it, from the checks subgraph as the caller. */
interface CheckFacts {
  id: string;
  total: { amountMinor: number };
  currency: string;
  location: { id: string };
  order: { id: string } | null;
}
const CHECK_FACTS = 'id total { amountMinor } currency location { id } order { id }';
const RESERVE = `mutation ReserveCheckAmount($locationId: ID!, $posRef: String!, $paymentId: ID!, $amountCents: Int!) {
  reserveCheckAmount(locationId: $locationId, posRef: $posRef, paymentId: $paymentId, amountCents: $amountCents) {
    ${CHECK_FACTS}
  }
}`;

/** The order a check belongs to, as its bill: what it totals, in which currency. */
interface OrderFacts {
  id: string;
  total: { amountMinor: number };
  currency: string;
}

export interface CheckPaymentResult {
  payment: Payment;
  remainingAmountCents: number;
  replayed: boolean;
}

/** A registration's key completes with its payment and what the check still owed after it. */
const CHECK_PAYMENT_ANSWER: IdempotencyCodec<CheckPaymentResult> = {
  id: (result) => result.payment.id,
  snapshot: (result) => ({
    payment: entitySnapshot(result.payment),
    remainingAmountCents: result.remainingAmountCents,
  }),
  restore: (stored) => {
    const { payment, remainingAmountCents } = stored as { payment: unknown; remainingAmountCents: number };
    return { payment: restorePayment(payment), remainingAmountCents, replayed: true };
  },
};

const invoiceTaken = (invoice: string) =>
  conflict('invoice_already_registered', 'This processor transaction is already registered', [
    `transaction.invoice: ${invoice} is registered to another payment`,
  ]);

/** Problems with a card as the mobile payments API sends it; an expiry is good through the end of its month. */
export function cardProblems(card: CheckCardInput, now: Date): string[] {
  const problems = [
    ...textProblems(card.holderName, 'card.holderName', 64),
    ...textProblems(card.token, 'card.token', 256, true),
  ];
  if (!/^\d{4}$/.test(card.last4Digits)) problems.push('card.last4Digits: must be exactly four digits');
  const expiry = /^(0[1-9]|1[0-2])(\d{2})$/.exec(card.expirationDate);
  if (!expiry) {
    problems.push('card.expirationDate: must be MMYY with a month 01-12, e.g. 0126 for January 2026');
  } else {
    const [month, year] = [Number(expiry[1]), 2000 + Number(expiry[2])];
    if (year * 12 + month < now.getUTCFullYear() * 12 + now.getUTCMonth() + 1) {
      problems.push(`card.expirationDate: the card expired at the end of ${expiry[1]}/${year}`);
    }
  }
  return problems;
}

/**
 * Payments on checks registered by mobile payment providers (the mobile payments API): the provider has run the
 * sale with its processor and registers its outcome here. No processor is called, so the payment is recorded
 * approved, with its `payment.approved` outbox event.
 *
 * The check's total is the checks subgraph's: the amount is first reserved there, under the check's own lock (see
 * check-reservation.ts), so no edit can take the total below what is paid, and the check's state (open, unlocked)
 * and total are read at that moment. A check that belongs to an order is one bill with it: its payments are
 * recorded on the order too, under the order's ledger lock, and may not exceed what the order still owes either.
 */
export class CheckPaymentService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: CheckPaymentDeps,
  ) {}

  /**
   * What the checks have been paid, from the ledger: approved (and pending) amounts less refunds, of the caller's
   * tenant only, so a check id of another tenant shows nothing paid.
   */
  async paidOnChecks(principal: Principal, checkIds: readonly string[]): Promise<Map<string, number>> {
    return amountsHeld(this.em, 'check_id', checkIds, principal.tenantId);
  }

  async pay(principal: Principal, input: CheckSale, idempotencyKey?: string | null): Promise<CheckPaymentResult> {
    requireScope(principal, SCOPES.mobilePayments);
    const locationId = parseIntIdArg(input.locationId, 'locationId');
    const now = this.deps.now?.() ?? new Date();
    const problems = [
      ...textProblems(input.posRef, 'posRef', 64, true),
      ...amountProblems(input.amountMinor, 'amountMinor', 1),
      ...amountProblems(input.tipMinor, 'tipMinor'),
      ...textProblems(input.universalToken, 'universalToken', 256),
      ...cardProblems(input.card, now),
      ...textProblems(input.transaction.authorizationCode, 'transaction.authorizationCode', 32, true),
      ...textProblems(input.transaction.invoice, 'transaction.invoice', 128, true),
    ];
    if (problems.length) throw badInput('Invalid payment', problems);

    // Fingerprinted as before the amounts were renamed `…Minor`, so a key taken then still replays.
    const { amountMinor: amountCents, tipMinor: tipCents, ...rest } = input;
    const request = { ...rest, amountCents, tipCents, locationId };
    const key = await RequestKey.claim(this.em, principal, idempotencyKey, 'payCheck', request, CHECK_PAYMENT_ANSWER);
    if (key.replay) return key.replay;
    return key.abandonOnFailure(
      async () =>
        (await this.repeated(principal, locationId, input, key)) ??
        (await this.register(principal, locationId, input, key)),
    );
  }

  /**
   * A processor transaction registered before answers with its first payment, whatever the check's state now (the
   * POS may have closed the check it completed), and reserves nothing. Null when it is new.
   */
  private async repeated(
    principal: Principal,
    locationId: number,
    input: CheckSale,
    key: RequestKey<CheckPaymentResult>,
  ): Promise<CheckPaymentResult | null> {
    const registered = await findRegistration(this.em, principal.tenantId, input.transaction.invoice);
    if (!registered) return null;
    const check = await this.deps.checks.fetch<CheckFacts>(
      principal,
      this.deps.requestId,
      'Check',
      { location: { id: String(locationId) }, posRef: input.posRef },
      CHECK_FACTS,
    );
    if (!check) throw notFound('Check');
    assertSameRegistration(registered, check, input);
    const order = await this.orderOf(principal, check);
    return this.em.transactional(async (tx) => {
      const result = { payment: registered, remainingAmountCents: await owedOn(tx, check, order), replayed: true };
      await key.complete(tx, result);
      return result;
    });
  }

  /** A new registration: reserve the amount on the check, then record the payment (check-reservation.ts). */
  private async register(
    principal: Principal,
    locationId: number,
    input: CheckSale,
    key: RequestKey<CheckPaymentResult>,
  ): Promise<CheckPaymentResult> {
    const paymentId = randomUUID();
    await openHold(this.em, principal.tenantId, paymentId, input.amountMinor);
    let check: CheckFacts;
    try {
      const reserved = await this.deps.checks.execute<{ reserveCheckAmount: CheckFacts }>(
        principal,
        this.deps.requestId,
        'Check',
        RESERVE,
        { locationId: String(locationId), posRef: input.posRef, paymentId, amountCents: input.amountMinor },
      );
      check = reserved.reserveCheckAmount;
    } catch (error) {
      await this.abandon(paymentId);
      // The same transaction registered by a retry still in flight took what the check had left: its first answer.
      if (error instanceof DomainError && error.reason === 'amount_exceeds_due') {
        const repeat = await this.repeated(principal, locationId, input, key);
        if (repeat) return repeat;
      }
      throw error;
    }
    try {
      const order = await this.orderOf(principal, check);
      const result = await this.em.transactional(async (tx) => {
        const recorded = await this.record(tx, principal, check, order, paymentId, input);
        await key.complete(tx, recorded);
        return recorded;
      });
      // A concurrent registration of this very transaction was recorded first: ours holds nothing.
      if (result.replayed) await this.abandon(paymentId);
      return result;
    } catch (error) {
      await this.abandon(paymentId);
      throw error;
    }
  }

  /**
   * Under the bill's ledger lock (the order's when the check belongs to one, else the check's): find a repeated
   * registration, or refuse what the bill no longer owes, or claim the payment's hold and record the payment.
   */
  private async record(
    tx: EntityManager,
    principal: Principal,
    check: CheckFacts,
    order: OrderFacts | null,
    paymentId: string,
    input: CheckSale,
  ): Promise<CheckPaymentResult> {
    await lockPayable(tx, principal.tenantId, order?.id ?? check.id, order ? 'order' : 'check');
    const registered = await findRegistration(tx, principal.tenantId, input.transaction.invoice);
    if (registered) {
      assertSameRegistration(registered, check, input);
      return { payment: registered, remainingAmountCents: await owedOn(tx, check, order), replayed: true };
    }
    await claimHold(tx, paymentId);
    const owed = await owedOn(tx, check, order);
    if (input.amountMinor > owed) {
      throw unprocessable('amount_exceeds_due', `The amount is more than the check still owes (${owed})`, [
        `amount due: ${owed}`,
      ]);
    }

    const payment = new Payment();
    Object.assign(payment, {
      id: paymentId,
      tenantId: principal.tenantId,
      locationId: Number(check.location.id),
      checkId: check.id,
      orderId: order?.id ?? null,
      amountCents: input.amountMinor,
      tipCents: input.tipMinor,
      currency: check.currency,
      entryMode: EntryMode.CARD_NOT_PRESENT,
      processor: EXTERNAL_PROCESSOR,
      processorReference: input.transaction.invoice,
      authorizationCode: input.transaction.authorizationCode,
    });
    const event = transition(payment, PaymentStatus.APPROVED);
    const card = new PaymentCard();
    Object.assign(card, {
      paymentId: payment.id,
      type: input.card.type,
      last4Digits: input.card.last4Digits,
      expirationDate: input.card.expirationDate,
      holderName: input.card.holderName ?? null,
      tokenSealed: encrypt(input.card.token, this.deps.cardKey),
      universalTokenSealed: input.universalToken ? encrypt(input.universalToken, this.deps.cardKey) : null,
    });
    tx.persist(payment);
    try {
      await tx.flush();
    } catch (error) {
      // The same invoice registered at the same moment on another check (whose lock we do not hold): the
      // unique index decides, and the loser is told as if it had come second.
      if (error instanceof UniqueConstraintViolationException) throw invoiceTaken(input.transaction.invoice);
      throw error;
    }
    tx.persist(card);
    await commitChange(tx, payment, event);
    return { payment, remainingAmountCents: owed - input.amountMinor, replayed: false };
  }

  /** The order a check belongs to (its bill), or null; in the check's currency, or the payment is refused. */
  private async orderOf(principal: Principal, check: CheckFacts): Promise<OrderFacts | null> {
    if (!check.order) return null;
    const order = await this.deps.orders.fetch<OrderFacts>(
      principal,
      this.deps.requestId,
      'Order',
      check.order.id,
      'id total { amountMinor } currency',
    );
    if (!order) throw notFound('Order');
    if (order.currency !== check.currency) {
      throw unprocessable('currency_mismatch', `The check's order is in ${order.currency}`, [
        `currency: the check is in ${check.currency}`,
      ]);
    }
    return order;
  }

  /** The payment will not be recorded: its hold goes to 0 now if possible, else in the sweep. */
  private async abandon(paymentId: string): Promise<void> {
    try {
      await abandonHold(this.em, paymentId);
      await pushCheckHold(this.em, this.deps.checks, paymentId, this.deps.requestId);
    } catch (error) {
      this.deps.logger.warn({ err: error, paymentId }, 'check hold not released; the sweep will release it');
    }
  }
}

/** A registration of this processor transaction on any check of the tenant. */
const findRegistration = (em: EntityManager, tenantId: string, invoice: string) =>
  em.findOne(Payment, { tenantId, checkId: { $ne: null }, processor: EXTERNAL_PROCESSOR, processorReference: invoice });

/** The same invoice with other details (or on another check) is someone else's transaction. */
function assertSameRegistration(registered: Payment, check: { id: string }, input: CheckSale): void {
  const same =
    registered.checkId === check.id &&
    registered.amountCents === input.amountMinor &&
    registered.tipCents === input.tipMinor &&
    registered.authorizationCode === input.transaction.authorizationCode;
  if (!same) throw invoiceTaken(input.transaction.invoice);
}

/**
 * What may still be paid on the check: its total less what its payments hold, and, when it belongs to an order,
 * no more than the order still owes (the order's ledger counts every payment of the bill, its checks' too).
 */
async function owedOn(tx: EntityManager, check: CheckFacts, order: OrderFacts | null): Promise<number> {
  const onCheck = check.total.amountMinor - (await amountHeld(tx, 'check_id', check.id));
  const onOrder = order ? order.total.amountMinor - (await amountHeld(tx, 'order_id', order.id)) : onCheck;
  return Math.max(Math.min(onCheck, onOrder), 0);
}

/** cashAmountDue under dual pricing: the unpaid share of the card total, at cash prices. */
export function cashAmountDue(total: number, cashTotal: number, due: number): number {
  if (due <= 0 || total <= 0) return 0;
  return Math.min(mulDivRound(due, cashTotal, total), cashTotal);
}
