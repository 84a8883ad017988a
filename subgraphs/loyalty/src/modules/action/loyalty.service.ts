import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type DomainError,
  IdempotencyStore,
  type Principal,
  SCOPES,
  amountProblems,
  badInput,
  isUuid,
  mulDivRound,
  requireScope,
  textProblems,
  type Clock,
} from '@pos/kit';
import { Coupon, CouponStatus } from '../coupon/coupon.entity';
import type { CouponTokenService } from '../coupon/coupon.service';
import { LoyaltyCustomer, customerCodeProblems } from '../customer/customer.entity';
import { LoyaltyTransaction, LoyaltyTransactionKind, LoyaltyUnit } from '../ledger/ledger.entity';
import { LoyaltyOrg, VerificationPreset } from '../org/org.entity';
import { LoyaltyAction } from '../pin/pin-challenge.entity';
import { PIN_PATTERN, type PinService } from '../pin/pin.service';
import { loyaltyErrors } from './loyalty.errors';
import {
  type EarnLoyaltyInput,
  LoyaltyCardType,
  type RedeemLoyaltyCouponInput,
  type RedeemLoyaltyInput,
} from './loyalty.inputs';

export interface BalanceResult {
  alreadyProcessed: boolean;
  customer: LoyaltyCustomer;
  coupon: Coupon | null;
  transaction: LoyaltyTransaction | null;
}

export interface CouponResult {
  coupon: Coupon;
  transaction: LoyaltyTransaction;
  /** True when an idempotency key replayed an earlier redemption: nothing was recorded this time. */
  replayed: boolean;
}

/** What a mutation guarded by an idempotency key asks for: the key (or none), and what it must be the same request as. */
interface KeyedRequest {
  key: string | null | undefined;
  operation: string;
  input: unknown;
}

/** What a transaction callback ends with: a result, or a refusal to throw once what led to it is committed. */
type Outcome<T> = { result: T } | { refusal: DomainError };

const EXTERNAL_ID_UNIQUE = 'loyalty_transaction_external_id_unique';
const REVERSES_UNIQUE = 'loyalty_transaction_reverses_id_unique';

const UNIT_OF: Record<LoyaltyCardType, LoyaltyUnit.POINT | LoyaltyUnit.STAMP> = {
  [LoyaltyCardType.POINT]: LoyaltyUnit.POINT,
  [LoyaltyCardType.STAMP]: LoyaltyUnit.STAMP,
};
const BALANCE_OF = { [LoyaltyUnit.POINT]: 'points', [LoyaltyUnit.STAMP]: 'stamps' } as const;

const pinProblems = (pin: unknown) =>
  pin === null || pin === undefined || (typeof pin === 'string' && PIN_PATTERN.test(pin))
    ? []
    : ['verificationPin: must be the 4 digits shown on the customer’s dashboard'];
const externalIdProblems = (externalId: unknown) => textProblems(externalId, 'externalId', 128, true);

/** Half up, as the seed's "standard rounding" (stamp counts are positive). */
const roundHalfUp = (value: number) => Math.floor(value + 0.5);

/**
 * Earn, redeem, coupon redemption and reversal, as the loyalty API defines them. Each runs in one transaction under the customer's row
 * lock: the balance check and the change cannot interleave with another request for the same customer, and the
 * database's CHECK (balances ≥ 0) backs that up. Every change is a ledger row; the POS's external id, unique per
 * org and kind, makes a retry `alreadyProcessed` even when two copies arrive at the same moment.
 *
 * Order of the checks: the caller and the customer (400 customer not found), the org's subscription (402), a
 * repeat of an external id (200 already processed), a code typed by hand at a STRICT org (422), then the PIN gate
 * (412/422/429), then the balance (422). The gate comes before the balance so that a stolen QR cannot even learn
 * whether a balance would cover a redemption.
 */
export class LoyaltyService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: { pins: PinService; clock: Clock; coupons: CouponTokenService },
  ) {}

  earn(principal: Principal, input: EarnLoyaltyInput): Promise<BalanceResult> {
    requireScope(principal, SCOPES.loyaltyPos);
    const problems = [
      ...customerCodeProblems(input.customerCode, 'customerCode'),
      ...externalIdProblems(input.externalId),
      ...pinProblems(input.verificationPin),
      ...earnAmountProblems(input),
    ];
    if (problems.length) throw badInput('Invalid earn', problems);
    const unit = UNIT_OF[input.cardType];
    return this.balanceAction(
      principal,
      { ...input, kind: LoyaltyTransactionKind.EARN, action: LoyaltyAction.EARN },
      async (tx, customer, org) => {
        let delta: number;
        if (unit === LoyaltyUnit.POINT) {
          // points = round(amount × ratio): cents × bps ÷ (100 × 10000), in exact integer arithmetic, half up.
          delta = mulDivRound(input.amountMinor as number, org.earnRatioBps, 1_000_000);
        } else {
          delta = Math.max(1, roundHalfUp(input.stamps as number));
          if (delta > org.maxStampsPerEarn) {
            throw badInput('Too many stamps', [`stamps: at most ${org.maxStampsPerEarn} per earn`]);
          }
        }
        const now = this.deps.clock.now();
        const earn = this.record(tx, customer, {
          kind: LoyaltyTransactionKind.EARN,
          unit,
          delta,
          externalId: input.externalId,
          createdAt: now,
          ...(unit === LoyaltyUnit.POINT ? { amountCents: input.amountMinor, currency: org.currency } : {}),
        });
        let coupon: Coupon | null = null;
        if (unit === LoyaltyUnit.STAMP && customer.stamps >= org.stampsPerCard) {
          // A full card becomes its reward, and the stamps beyond it start the next card. The coupon's row
          // follows its earn by a millisecond so that the ledger reads in the order things happened.
          coupon = new Coupon();
          Object.assign(coupon, { org, customer, name: org.rewardName, issuedAt: now });
          tx.persist(coupon);
          this.deps.coupons.show(coupon);
          this.record(tx, customer, {
            kind: LoyaltyTransactionKind.COUPON_ISSUE,
            unit: LoyaltyUnit.STAMP,
            delta: -org.stampsPerCard,
            coupon,
            createdAt: new Date(now.getTime() + 1),
          });
        }
        return { transaction: earn, coupon };
      },
    );
  }

  redeem(principal: Principal, input: RedeemLoyaltyInput): Promise<BalanceResult> {
    requireScope(principal, SCOPES.loyaltyPos);
    const problems = [
      ...customerCodeProblems(input.customerCode, 'customerCode'),
      ...externalIdProblems(input.externalId),
      ...pinProblems(input.verificationPin),
      ...amountProblems(input.value, 'value', 1),
    ];
    if (problems.length) throw badInput('Invalid redeem', problems);
    const unit = UNIT_OF[input.cardType];
    return this.balanceAction(
      principal,
      { ...input, kind: LoyaltyTransactionKind.REDEEM, action: LoyaltyAction.REDEEM },
      async (tx, customer) => {
        const balance = customer[BALANCE_OF[unit]];
        if (balance < input.value) throw loyaltyErrors.insufficientBalance(BALANCE_OF[unit], balance, input.value);
        const transaction = this.record(tx, customer, {
          kind: LoyaltyTransactionKind.REDEEM,
          unit,
          delta: -input.value,
          externalId: input.externalId,
          createdAt: this.deps.clock.now(),
        });
        return { transaction, coupon: null };
      },
    );
  }

  async redeemCoupon(principal: Principal, input: RedeemLoyaltyCouponInput): Promise<CouponResult> {
    requireScope(principal, SCOPES.loyaltyPos);
    const problems = [...textProblems(input.token, 'token', 64, true), ...pinProblems(input.verificationPin)];
    if (problems.length) throw badInput('Invalid coupon redemption', problems);
    const couponId = this.deps.coupons.couponIdOf(input.token);
    if (!couponId) throw loyaltyErrors.couponNotFound();
    const { idempotencyKey, ...request } = input;
    const keyed = { key: idempotencyKey, operation: 'redeemLoyaltyCoupon', input: request };
    const replay = async (transaction: LoyaltyTransaction): Promise<CouponResult> => {
      const coupon = transaction.coupon!;
      await this.em.populate(coupon, ['customer']);
      this.deps.coupons.show(coupon);
      return { coupon, transaction, replayed: true };
    };
    return this.once(principal, keyed, replay, async (tx): Promise<Outcome<CouponResult>> => {
      const found = await tx.findOne(
        Coupon,
        { id: couponId, org: this.orgScope(principal) },
        { populate: ['customer', 'org'] },
      );
      if (!found) throw loyaltyErrors.couponNotFound();
      const { org } = found;
      if (!org.subscriptionActive) throw loyaltyErrors.subscriptionRequired();
      // The customer first, as every action locks it first; then the coupon.
      const customer = await this.lock(tx, LoyaltyCustomer, found.customer.id);
      const coupon = await this.lock(tx, Coupon, couponId);
      if (coupon.status !== CouponStatus.ACTIVE) throw loyaltyErrors.couponNotActive(coupon.status);
      if (input.manualCode && org.preset === VerificationPreset.STRICT) throw loyaltyErrors.manualCodeDisabled();
      const refusal = await this.deps.pins.check(tx, org, customer, LoyaltyAction.COUPON_REDEEM, input.verificationPin);
      if (refusal) return { refusal };
      const now = this.deps.clock.now();
      Object.assign(coupon, { status: CouponStatus.REDEEMED, redeemedAt: now });
      const transaction = this.record(tx, customer, {
        kind: LoyaltyTransactionKind.COUPON_REDEEM,
        unit: LoyaltyUnit.COUPON,
        delta: -1,
        coupon,
        createdAt: now,
        balanceAfter: await tx.count(Coupon, { customer, status: CouponStatus.ACTIVE, id: { $ne: coupon.id } }),
      });
      await tx.flush();
      this.deps.coupons.show(coupon);
      return { result: { coupon, transaction, replayed: false } };
    });
  }

  /**
   * Undoes an earn or a redeem with the opposite delta, once. A stamp earn whose stamps already went into a coupon
   * (or were redeemed) cannot be undone this way: the balance would go negative.
   */
  async reverse(principal: Principal, transactionId: string, idempotencyKey?: string | null): Promise<BalanceResult> {
    requireScope(principal, SCOPES.loyaltyPos);
    const keyed = { key: idempotencyKey, operation: 'reverseLoyaltyTransaction', input: { id: transactionId } };
    const replay = async (transaction: LoyaltyTransaction): Promise<BalanceResult> => {
      const customer = await this.em.findOneOrFail(LoyaltyCustomer, transaction.customer.id, { populate: ['org'] });
      return { alreadyProcessed: true, customer, coupon: null, transaction };
    };
    try {
      return await this.once(principal, keyed, replay, async (tx): Promise<Outcome<BalanceResult>> => {
        const original = await tx.findOne(
          LoyaltyTransaction,
          { id: transactionId, org: this.orgScope(principal) },
          { populate: ['org'] },
        );
        if (!original) throw badInput('Transaction not found', [`id: no loyalty transaction ${transactionId}`]);
        if (original.kind !== LoyaltyTransactionKind.EARN && original.kind !== LoyaltyTransactionKind.REDEEM) {
          throw loyaltyErrors.notReversible(`A ${original.kind} transaction cannot be reversed`);
        }
        if (!original.org.subscriptionActive) throw loyaltyErrors.subscriptionRequired();
        const customer = await this.lock(tx, LoyaltyCustomer, original.customer.id);
        const unit = original.unit as LoyaltyUnit.POINT | LoyaltyUnit.STAMP;
        if (customer[BALANCE_OF[unit]] < original.delta) {
          throw loyaltyErrors.notReversible(`The ${BALANCE_OF[unit]} this earn gave have already been spent`);
        }
        const transaction = this.record(tx, customer, {
          kind: LoyaltyTransactionKind.REVERSAL,
          unit,
          delta: -original.delta,
          reverses: original,
          orderId: original.orderId,
          createdAt: this.deps.clock.now(),
        });
        await tx.flush();
        return { result: { alreadyProcessed: false, customer, coupon: null, transaction } };
      });
    } catch (error) {
      if (isViolationOf(error, REVERSES_UNIQUE)) throw loyaltyErrors.notReversible('Already reversed');
      throw error;
    }
  }

  /**
   * Runs `work` in one transaction, at most once per idempotency key when the caller sent one (the kit's store, in
   * this subgraph's schema). The key completes in the work's own transaction with the id of the ledger row it
   * recorded, so a repeat answers that row (and its coupon and customer) read again, with nothing recorded. A
   * refusal the work returns (a wrong PIN is counted, so it commits) or throws gives the key back: a corrected
   * retry may use it. Without a key the work simply runs.
   */
  private async once<T extends { transaction: LoyaltyTransaction | null }>(
    principal: Principal,
    request: KeyedRequest,
    replay: (transaction: LoyaltyTransaction) => Promise<T>,
    work: (tx: EntityManager) => Promise<Outcome<T>>,
  ): Promise<T> {
    const key = IdempotencyStore.parseKey(request.key);
    const store = new IdempotencyStore(this.em);
    const claim = key ? await store.claim(principal, key, request.operation, request.input) : null;
    if (claim?.kind === 'replay') {
      const transaction = await this.em.findOneOrFail(
        LoyaltyTransaction,
        { id: claim.resourceId!, org: this.orgScope(principal) },
        { populate: ['coupon'] },
      );
      return replay(transaction);
    }
    try {
      const outcome = await this.em.transactional(async (tx) => {
        const done = await work(tx);
        if (claim && 'result' in done) {
          const id = done.result.transaction!.id;
          await store.complete(tx, claim.token, id, { transactionId: id });
        }
        return done;
      });
      if ('refusal' in outcome) throw outcome.refusal;
      return outcome.result;
    } catch (error) {
      if (claim) await store.release(claim.token);
      throw error;
    }
  }

  /** Which orgs the caller acts for: its own with an org's API key, any of its tenant's with a partner token. */
  private orgScope(principal: Principal) {
    return principal.kind === 'loyaltyOrg'
      ? { id: principal.subject, tenantId: principal.tenantId }
      : { tenantId: principal.tenantId };
  }

  /** The steps every earn and redeem shares, around `apply`, which changes the balance (see the class comment). */
  private async balanceAction(
    principal: Principal,
    spec: {
      customerCode: string;
      kind: LoyaltyTransactionKind;
      action: LoyaltyAction;
      externalId: string;
      manualCode: boolean;
      verificationPin?: string | null;
    },
    apply: (
      tx: EntityManager,
      customer: LoyaltyCustomer,
      org: LoyaltyOrg,
    ) => Promise<{ transaction: LoyaltyTransaction; coupon: Coupon | null }>,
  ): Promise<BalanceResult> {
    let outcome: Outcome<BalanceResult>;
    try {
      outcome = await this.em.transactional(async (tx): Promise<Outcome<BalanceResult>> => {
        const customer = await this.lockCustomer(tx, principal, spec.customerCode);
        const { org } = customer;
        const earlier = await tx.findOne(LoyaltyTransaction, { org, kind: spec.kind, externalId: spec.externalId });
        if (earlier) return { result: { alreadyProcessed: true, customer, coupon: null, transaction: earlier } };
        if (spec.manualCode && org.preset === VerificationPreset.STRICT) throw loyaltyErrors.manualCodeDisabled();
        const refusal = await this.deps.pins.check(tx, org, customer, spec.action, spec.verificationPin);
        if (refusal) return { refusal };
        const applied = await apply(tx, customer, org);
        await tx.flush();
        return { result: { alreadyProcessed: false, customer, ...applied } };
      });
    } catch (error) {
      // The same external id committed a moment ago for another customer of the org (whose lock we did not
      // hold): the unique index decided, and this one is the repeat.
      if (!isViolationOf(error, EXTERNAL_ID_UNIQUE)) throw error;
      const em = this.em.fork();
      const customer = await this.findCustomer(em, principal, spec.customerCode);
      const transaction = await em.findOne(LoyaltyTransaction, {
        org: customer.org,
        kind: spec.kind,
        externalId: spec.externalId,
      });
      return { alreadyProcessed: true, customer, coupon: null, transaction };
    }
    if ('refusal' in outcome) throw outcome.refusal;
    return outcome.result;
  }

  /** The customer by code, among the caller's orgs; 402 when their org's subscription lapsed. */
  private async findCustomer(em: EntityManager, principal: Principal, code: string): Promise<LoyaltyCustomer> {
    const customer = await em.findOne(LoyaltyCustomer, { code, org: this.orgScope(principal) }, { populate: ['org'] });
    if (!customer) {
      // An org's own key learns that its subscription lapsed whichever code it sends.
      if (principal.kind === 'loyaltyOrg') {
        const org = await em.findOne(LoyaltyOrg, this.orgScope(principal));
        if (org && !org.subscriptionActive) throw loyaltyErrors.subscriptionRequired();
      }
      throw loyaltyErrors.customerNotFound();
    }
    if (!customer.org.subscriptionActive) throw loyaltyErrors.subscriptionRequired();
    return customer;
  }

  private async lockCustomer(tx: EntityManager, principal: Principal, code: string): Promise<LoyaltyCustomer> {
    const customer = await this.findCustomer(tx, principal, code);
    // Locked alone (FOR UPDATE over the org join would serialise the whole org), and re-read under the lock.
    return this.lock(tx, LoyaltyCustomer, customer.id);
  }

  private lock<T extends LoyaltyCustomer | Coupon>(tx: EntityManager, entity: new () => T, id: string): Promise<T> {
    return tx.findOneOrFail(entity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  }

  /** Adds a ledger row and applies its delta to the customer's balance (the two never go apart). */
  private record(
    tx: EntityManager,
    customer: LoyaltyCustomer,
    row: Partial<LoyaltyTransaction> & Pick<LoyaltyTransaction, 'kind' | 'unit' | 'delta' | 'createdAt'>,
  ): LoyaltyTransaction {
    const transaction = new LoyaltyTransaction();
    if (row.unit !== LoyaltyUnit.COUPON) customer[BALANCE_OF[row.unit]] += row.delta;
    const externalId = row.externalId ?? null;
    Object.assign(transaction, {
      org: customer.org,
      customer,
      orderId: externalId && isUuid(externalId) ? externalId.toLowerCase() : null,
      balanceAfter: row.unit === LoyaltyUnit.COUPON ? 0 : customer[BALANCE_OF[row.unit]],
      ...row,
    });
    tx.persist(transaction);
    return transaction;
  }
}

function earnAmountProblems(input: EarnLoyaltyInput): string[] {
  if (input.cardType === LoyaltyCardType.POINT) {
    if (input.stamps !== null && input.stamps !== undefined) return ['stamps: only for a STAMP earn'];
    return amountProblems(input.amountMinor, 'amountMinor', 1);
  }
  if (input.amountMinor !== null && input.amountMinor !== undefined) return ['amountMinor: only for a POINT earn'];
  const { stamps } = input;
  return typeof stamps === 'number' && Number.isFinite(stamps) && stamps > 0
    ? []
    : ['stamps: must be a positive number'];
}

function isViolationOf(error: unknown, constraint: string): boolean {
  return error instanceof UniqueConstraintViolationException && error.message.includes(constraint);
}
