import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type EntityClient,
  IdempotencyStore,
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
} from '@pos/kit';
import { recordPaymentEvent } from '../payment-event/payment-event.outbox';
import { PaymentCard } from '../payment/payment-card.entity';
import { EXTERNAL_PROCESSOR, EntryMode, Payment, PaymentStatus } from '../payment/payment.entity';
import { amountHeld, amountsHeld, lockPayable, restorePayment } from '../payment/payment.service';
import { transition } from '../payment/payment.state';
import type { CheckCardInput, PayCheckInput } from './check.inputs';

export interface CheckPaymentDeps {
  /** The checks subgraph, read through the graph for the check being paid. */
  checks: EntityClient;
  /** Seals the card's processor tokens at rest. */
  cardKey: Buffer;
  requestId: string;
  now?: () => Date;
}

/** What paying a check needs to know about it, read from the checks subgraph as the caller. */
interface CheckFacts {
  id: string;
  status: string;
  isLocked: boolean;
  total: number;
  currency: string;
  location: { id: string };
}
const CHECK_FACTS = 'id status isLocked total currency location { id }';

export interface CheckPaymentResult {
  payment: Payment;
  remainingAmountCents: number;
  replayed: boolean;
}

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
 * Payments on checks registered by mobile payment providers (shared/seeds/003): the provider has run the sale with
 * its processor and registers its outcome here. No processor is called, so the payment is recorded approved in one
 * transaction, under the check's ledger lock, with its `payment.approved` outbox event.
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

  async pay(principal: Principal, input: PayCheckInput, idempotencyKey?: string | null): Promise<CheckPaymentResult> {
    requireScope(principal, SCOPES.mobilePayments);
    const locationId = parseIntIdArg(input.locationId, 'locationId');
    const now = this.deps.now?.() ?? new Date();
    const problems = [
      ...textProblems(input.posRef, 'posRef', 64, true),
      ...amountProblems(input.amountCents, 'amountCents', 1),
      ...amountProblems(input.tipCents, 'tipCents'),
      ...textProblems(input.universalToken, 'universalToken', 256),
      ...cardProblems(input.card, now),
      ...textProblems(input.transaction.authorizationCode, 'transaction.authorizationCode', 32, true),
      ...textProblems(input.transaction.invoice, 'transaction.invoice', 128, true),
    ];
    if (problems.length) throw badInput('Invalid payment', problems);

    const store = new IdempotencyStore(this.em);
    const claim = await store.claimKey(principal, idempotencyKey, 'payCheck', { ...input, locationId });
    if (claim?.kind === 'replay') {
      const stored = claim.response as { payment: unknown; remainingAmountCents: number };
      return {
        payment: restorePayment(stored.payment),
        remainingAmountCents: stored.remainingAmountCents,
        replayed: true,
      };
    }
    try {
      const check = await this.deps.checks.fetch<CheckFacts>(
        principal,
        this.deps.requestId,
        'Check',
        { location: { id: String(locationId) }, posRef: input.posRef },
        CHECK_FACTS,
      );
      if (!check) throw notFound('Check');
      return await this.em.transactional(async (tx) => {
        const result = await this.record(tx, principal, check, input);
        if (claim?.token) {
          await store.complete(tx, claim.token, result.payment.id, {
            payment: entitySnapshot(result.payment),
            remainingAmountCents: result.remainingAmountCents,
          });
        }
        return result;
      });
    } catch (error) {
      await store.abandon(claim);
      throw error;
    }
  }

  /** Under the check's ledger lock: refuse what cannot be paid, find a repeated registration, or record the payment. */
  private async record(
    tx: EntityManager,
    principal: Principal,
    check: CheckFacts,
    input: PayCheckInput,
  ): Promise<CheckPaymentResult> {
    await lockPayable(tx, principal.tenantId, check.id, 'check');
    const due = () => amountHeld(tx, 'check_id', check.id).then((held) => Math.max(check.total - held, 0));

    const registered = await tx.findOne(Payment, {
      tenantId: principal.tenantId,
      checkId: { $ne: null },
      processor: EXTERNAL_PROCESSOR,
      processorReference: input.transaction.invoice,
    });
    if (registered) {
      const same =
        registered.checkId === check.id &&
        registered.amountCents === input.amountCents &&
        registered.tipCents === input.tipCents &&
        registered.authorizationCode === input.transaction.authorizationCode;
      if (!same) throw invoiceTaken(input.transaction.invoice);
      return { payment: registered, remainingAmountCents: await due(), replayed: true };
    }

    // The check's state is checked after the repeat lookup, so a retried registration that completed the check
    // (which the POS may then close) still gets its first answer.
    if (check.status !== 'OPEN') throw conflict('check_not_open', 'The check is not open and cannot be paid');
    if (check.isLocked) throw conflict('check_locked', 'The check is locked and cannot be paid');
    const owed = await due();
    if (input.amountCents > owed) {
      throw unprocessable('amount_exceeds_due', `The amount is more than the check still owes (${owed})`, [
        `amount due: ${owed}`,
      ]);
    }

    const payment = new Payment();
    Object.assign(payment, {
      tenantId: principal.tenantId,
      locationId: Number(check.location.id),
      checkId: check.id,
      amountCents: input.amountCents,
      tipCents: input.tipCents,
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
    await tx.flush();
    if (event) await recordPaymentEvent(tx, payment, event);
    return { payment, remainingAmountCents: owed - input.amountCents, replayed: false };
  }
}

/** cashAmountDue under dual pricing: the unpaid share of the card total, at cash prices. */
export function cashAmountDue(total: number, cashTotal: number, due: number): number {
  if (due <= 0 || total <= 0) return 0;
  return Math.min(mulDivRound(due, cashTotal, total), cashTotal);
}
