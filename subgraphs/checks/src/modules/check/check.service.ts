import { type FilterQuery, LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type ConnectionPage,
  type PageRequest,
  callerScope,
  type EntityClient,
  MAX_AMOUNT_CENTS,
  type Principal,
  SCOPES,
  amountProblems,
  badInput,
  conflict,
  currencyProblems,
  entitySnapshot,
  isUuid,
  mayActAtLocation,
  notFound,
  paginateMany,
  parseIntIdArg,
  parseUuidArg,
  requireScope,
  restoreEntity,
  runIdempotent,
  textProblems,
} from '@pos/kit';
import { CHECK_LIMITS, Check, CheckItem, CheckReservation, CheckStatus, CheckTax } from './check.entity';
import { checkErrors } from './check.errors';
import type {
  CheckItemInput,
  CheckTaxInput,
  GratuityInput,
  OpenCheckInput,
  SupplementalFeeInput,
} from './check.inputs';
import { type CheckTotals, CheckTaxKind, checkTotals } from './check.totals';

export interface CheckDeps {
  /** The orders subgraph, read through the graph for the location (and order) of a new check. */
  orders: EntityClient;
  requestId: string;
}

/** Which checks of a location to list. */
export interface CheckQuery {
  status: readonly CheckStatus[];
  orderNumber: string | null;
}

/** What the payments subgraph asks to hold on a check for a payment it is about to record. */
export interface ReservationRequest {
  locationId: string;
  posRef: string;
  paymentId: string;
  amountCents: number;
}

export const OPEN_CHECKS: CheckQuery = { status: [CheckStatus.OPEN], orderNumber: null };

export const CHECK_RULES = {
  maxItems: 500,
  maxQuantity: 100_000,
  maxGuests: 1_000,
  maxRateBps: 10_000,
} as const;

/** The money figures of a check as stored now (see `checkTotals`). */
export function totalsOf(check: Check): CheckTotals {
  const hasGratuity = check.gratuityRateBps !== null || check.gratuityAmountCents !== null;
  return checkTotals({
    itemPrices: check.items.getItems().map((item) => item.price),
    taxes: check.appliedTaxes.getItems(),
    supplementalFee:
      check.feeName === null
        ? null
        : { name: check.feeName, rateBps: check.feeRateBps, amountCents: check.feeAmountCents },
    gratuity: hasGratuity ? { rateBps: check.gratuityRateBps, amountCents: check.gratuityAmountCents } : null,
    dualPricingRateBps: check.dualPricingRateBps,
  });
}

type Snapshot<T> = Omit<T, 'check'>;

/**
 * What an idempotent addCheckItem stores to replay: the check as the first request returned it, with its items and
 * taxes (their back-references left out: the restored check is their parent again).
 */
const checkCodec = {
  id: (check: Check) => check.id,
  snapshot: (check: Check) => {
    const { items, appliedTaxes, ...fields } = check;
    return {
      fields: entitySnapshot(fields),
      items: items.getItems().map(({ check: _parent, ...item }) => item),
      taxes: appliedTaxes.getItems().map(({ check: _parent, ...tax }) => tax),
    };
  },
  restore: (snapshot: unknown) => {
    const { fields, items, taxes } = snapshot as {
      fields: unknown;
      items: Snapshot<CheckItem>[];
      taxes: Snapshot<CheckTax>[];
    };
    const check = restoreEntity(() => new Check(), fields, ['openedAt', 'closedAt', 'updatedAt']);
    check.items.set(items.map((item) => Object.assign(new CheckItem(), item, { check })));
    check.appliedTaxes.set(taxes.map((tax) => Object.assign(new CheckTax(), tax, { check })));
    return check;
  },
};

// Items and taxes are two collections: loading them by join would multiply the rows (items × taxes).
const WITH_LINES = { populate: ['items', 'appliedTaxes'] as const, strategy: 'select-in' as const };

/**
 * Checks of the caller's tenant, and of the locations a POS user's roles allow. Every change runs under the
 * check's row lock (so concurrent changes queue instead of overwriting each other) and bumps its version. The
 * payments subgraph's reservations take the same lock, so what payments hold on a check and its total are always
 * read together: the total never goes below them.
 */
export class CheckService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: CheckDeps,
  ) {}

  byIds(principal: Principal, ids: readonly string[]): Promise<Check[]> {
    return this.em.find(Check, { id: { $in: [...ids] }, ...callerScope(principal) }, WITH_LINES);
  }

  /** Checks by the POS's own key; keys of locations the caller may not act at are simply absent. */
  byPosRefs(principal: Principal, keys: ReadonlyArray<{ locationId: number; posRef: string }>): Promise<Check[]> {
    const allowed = keys.filter((key) => mayActAtLocation(principal, key.locationId));
    if (!allowed.length) return Promise.resolve([]);
    return this.em.find(
      Check,
      { $or: allowed.map(({ locationId, posRef }) => ({ locationId, posRef })), tenantId: principal.tenantId },
      WITH_LINES,
    );
  }

  /** The checks of several locations matching `query`, oldest first. */
  /**
   * The same page of the caller's checks at each of these locations, oldest first, in one query; a location the
   * caller may not act at (or of another tenant) has none.
   */
  async pagesAtLocations(
    principal: Principal,
    locationIds: readonly number[],
    query: CheckQuery,
    page: PageRequest,
  ): Promise<Map<number, ConnectionPage<Check>>> {
    const allowed = query.status.length ? locationIds.filter((id) => mayActAtLocation(principal, id)) : [];
    const where = {
      tenantId: principal.tenantId,
      status: { $in: [...query.status] },
      ...(query.orderNumber === null ? {} : { orderNumber: query.orderNumber }),
    };
    return paginateMany(this.em, Check, 'locationId', allowed, where, page, {
      createdAt: 'openedAt',
      tiebreak: 'posRef',
      direction: 'ASC',
      populate: [...WITH_LINES.populate],
      strategy: WITH_LINES.strategy,
    });
  }

  byOrders(principal: Principal, orderIds: readonly string[]): Promise<Check[]> {
    return this.em.find(
      Check,
      { orderId: { $in: [...orderIds] }, ...callerScope(principal) },
      { ...WITH_LINES, orderBy: { openedAt: 'asc', posRef: 'asc' } },
    );
  }

  /** Opens a check at one of the caller's locations (the orders subgraph says which are theirs). */
  async open(principal: Principal, input: OpenCheckInput): Promise<Check> {
    requireScope(principal, SCOPES.posOrders);
    const locationId = parseIntIdArg(input.locationId, 'locationId');
    const currency = input.currency === undefined ? 'USD' : input.currency;
    const problems = [
      ...textProblems(input.posRef, 'posRef', CHECK_LIMITS.posRef, true),
      ...textProblems(input.orderNumber, 'orderNumber', CHECK_LIMITS.orderNumber, true),
      ...textProblems(input.tableName, 'tableName', CHECK_LIMITS.tableName),
      ...integerProblems(input.guestCount, 'guestCount', 0, CHECK_RULES.maxGuests),
      ...textProblems(input.ownedByEmployeeRef, 'ownedByEmployeeRef', CHECK_LIMITS.employeeRef, true),
      ...textProblems(input.ownedByEmployee, 'ownedByEmployee', CHECK_LIMITS.employee, true),
      ...currencyProblems(currency, 'currency'),
      ...integerProblems(input.dualPricingRateBps, 'dualPricingRateBps', 0, CHECK_RULES.maxRateBps),
    ];
    if (input.orderId != null && !isUuid(input.orderId)) problems.push('orderId: must be a UUID');
    if (problems.length) throw badInput('Invalid check', problems);
    const orderId = input.orderId?.toLowerCase() ?? null;

    if (!mayActAtLocation(principal, locationId)) throw notFound('Location');
    const [location, order] = await Promise.all([
      this.deps.orders.fetch<{ id: string }>(principal, this.deps.requestId, 'Location', String(locationId), 'id'),
      orderId
        ? this.deps.orders.fetch<{ id: string; location: { id: string } }>(
            principal,
            this.deps.requestId,
            'Order',
            orderId,
            'id location { id }',
          )
        : null,
    ]);
    if (!location) throw notFound('Location');
    if (orderId && !order) throw notFound('Order');
    // A check belongs to the location it is opened at; an order of another location would mix two bills.
    if (order && order.location.id !== String(locationId)) {
      throw badInput('Invalid check', ['orderId: the order is at another location']);
    }

    const check = new Check();
    Object.assign(check, {
      tenantId: principal.tenantId,
      locationId,
      orderId,
      posRef: input.posRef,
      orderNumber: input.orderNumber,
      tableName: input.tableName ?? null,
      guestCount: input.guestCount ?? null,
      ownedByEmployeeRef: input.ownedByEmployeeRef,
      ownedByEmployee: input.ownedByEmployee,
      currency,
      dualPricingRateBps: input.dualPricingRateBps ?? null,
    });
    try {
      // The unique index decides between two concurrent opens of one posRef; a read first could not.
      await this.em.transactional(async (tx) => {
        tx.persist(check);
        await tx.flush();
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw checkErrors.duplicatePosRef(input.posRef, locationId);
      }
      throw error;
    }
    return check;
  }

  /**
   * Adds an item. With an idempotency key, a repeated request (same check and item) answers the check as the first
   * one left it instead of adding the item again; a refused request gives its key back.
   */
  async addItem(
    principal: Principal,
    checkIdArg: string,
    input: CheckItemInput,
    idempotencyKey?: string | null,
  ): Promise<{ check: Check; replayed: boolean }> {
    requireScope(principal, SCOPES.posOrders);
    const checkId = parseUuidArg(checkIdArg, 'checkId');
    const problems = [
      ...textProblems(input.posRef, 'item.posRef', CHECK_LIMITS.itemPosRef, true),
      ...textProblems(input.name, 'item.name', CHECK_LIMITS.itemName, true),
      ...quantityProblems(input.quantity, 'item.quantity'),
      ...textProblems(input.modifiersAsText, 'item.modifiersAsText', CHECK_LIMITS.modifiersAsText),
      ...amountProblems(input.priceMinor, 'item.priceMinor'),
    ];
    if (problems.length) throw badInput('Invalid check item', problems);
    const add = (check: Check, tx: EntityManager) => {
      const items = check.items.getItems();
      if (items.length >= CHECK_RULES.maxItems) throw checkErrors.full(CHECK_RULES.maxItems);
      const item = new CheckItem();
      Object.assign(item, {
        check,
        position: nextPosition(items),
        posRef: input.posRef,
        name: input.name,
        quantity: input.quantity,
        modifiersAsText: input.modifiersAsText ?? null,
        price: input.priceMinor,
      });
      check.items.add(item);
      tx.persist(item);
    };
    const { result, replayed } = await runIdempotent(
      this.em,
      principal,
      { key: idempotencyKey, operation: 'addCheckItem', input: { checkId, item: input } },
      (tx) => this.edit(principal, checkId, add, tx),
      checkCodec,
    );
    return { check: result, replayed };
  }

  async removeItem(principal: Principal, checkIdArg: string, itemIdArg: string): Promise<Check> {
    requireScope(principal, SCOPES.posOrders);
    const checkId = parseUuidArg(checkIdArg, 'checkId');
    const itemId = parseUuidArg(itemIdArg, 'itemId');
    return this.edit(principal, checkId, (check, tx) => {
      const item = check.items.getItems().find((candidate) => candidate.id === itemId);
      if (!item) throw checkErrors.itemNotFound();
      check.items.remove(item);
      tx.remove(item);
    });
  }

  /** Applies a tax; one already there under the same name is replaced where it stands in the list. */
  async applyTax(principal: Principal, checkIdArg: string, input: CheckTaxInput): Promise<Check> {
    requireScope(principal, SCOPES.posOrders);
    const checkId = parseUuidArg(checkIdArg, 'checkId');
    const problems = [
      ...textProblems(input.name, 'tax.name', CHECK_LIMITS.taxName, true),
      ...(Object.values(CheckTaxKind).includes(input.kind) ? [] : ['tax.kind: must be STANDARD, OTHER or HIDDEN']),
      ...chargeProblems(input, 'tax'),
    ];
    if (problems.length) throw badInput('Invalid tax', problems);
    return this.edit(principal, checkId, (check, tx) => {
      const taxes = check.appliedTaxes.getItems();
      let tax = taxes.find((candidate) => candidate.name === input.name);
      if (!tax) {
        tax = new CheckTax();
        Object.assign(tax, { check, position: nextPosition(taxes), name: input.name });
        check.appliedTaxes.add(tax);
        tx.persist(tax);
      }
      Object.assign(tax, { kind: input.kind, rateBps: input.rateBps ?? null, amountCents: input.amountMinor ?? null });
    });
  }

  async removeTax(principal: Principal, checkIdArg: string, name: string): Promise<Check> {
    requireScope(principal, SCOPES.posOrders);
    const checkId = parseUuidArg(checkIdArg, 'checkId');
    return this.edit(principal, checkId, (check, tx) => {
      const tax = check.appliedTaxes.getItems().find((candidate) => candidate.name === name);
      if (!tax) throw checkErrors.taxNotFound(name);
      check.appliedTaxes.remove(tax);
      tx.remove(tax);
    });
  }

  /** Sets the supplemental fee (replacing any), or removes it when `input` is null. */
  async setSupplementalFee(
    principal: Principal,
    checkIdArg: string,
    input: SupplementalFeeInput | null,
  ): Promise<Check> {
    requireScope(principal, SCOPES.posOrders);
    const checkId = parseUuidArg(checkIdArg, 'checkId');
    if (input) {
      const problems = [
        ...textProblems(input.name, 'fee.name', CHECK_LIMITS.feeName, true),
        ...chargeProblems(input, 'fee'),
      ];
      if (problems.length) throw badInput('Invalid supplemental fee', problems);
    }
    return this.edit(principal, checkId, (check) => {
      check.feeName = input?.name ?? null;
      check.feeRateBps = input?.rateBps ?? null;
      check.feeAmountCents = input?.amountMinor ?? null;
    });
  }

  /** Sets the gratuity (replacing any), or removes it when `input` is null. */
  async setGratuity(principal: Principal, checkIdArg: string, input: GratuityInput | null): Promise<Check> {
    requireScope(principal, SCOPES.posOrders);
    const checkId = parseUuidArg(checkIdArg, 'checkId');
    if (input) {
      const problems = chargeProblems(input, 'gratuity');
      if (problems.length) throw badInput('Invalid gratuity', problems);
    }
    return this.edit(principal, checkId, (check) => {
      check.gratuityRateBps = input?.rateBps ?? null;
      check.gratuityAmountCents = input?.amountMinor ?? null;
    });
  }

  /** Locks the check while it is being paid; locking a locked check changes nothing. */
  lock(principal: Principal, checkIdArg: string): Promise<Check> {
    return this.setLocked(principal, checkIdArg, true);
  }

  unlock(principal: Principal, checkIdArg: string): Promise<Check> {
    return this.setLocked(principal, checkIdArg, false);
  }

  /**
   * Closes the check for good: a closed check is never changed or reopened. A check paid in part closes (the rest
   * was settled at the POS, e.g. in cash); one holding more payments than its total does not.
   */
  async close(principal: Principal, checkIdArg: string): Promise<Check> {
    requireScope(principal, SCOPES.posOrders);
    const checkId = parseUuidArg(checkIdArg, 'checkId');
    return this.edit(principal, checkId, (check) => {
      check.status = CheckStatus.CLOSED;
      check.closedAt = new Date();
    });
  }

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
    return this.locked(principal, { locationId, posRef: request.posRef }, async (check, tx) => {
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

  private async setLocked(principal: Principal, checkIdArg: string, locked: boolean): Promise<Check> {
    requireScope(principal, SCOPES.posOrders);
    const checkId = parseUuidArg(checkIdArg, 'checkId');
    return this.update(principal, checkId, (check) => {
      if (check.isLocked === locked) return false;
      check.isLocked = locked;
      return true;
    });
  }

  /** A change of the check's content: refused while the check is locked (being paid). */
  private edit(
    principal: Principal,
    checkId: string,
    apply: (check: Check, tx: EntityManager) => void,
    tx?: EntityManager,
  ): Promise<Check> {
    return this.update(
      principal,
      checkId,
      (check, tx) => {
        if (check.isLocked) throw checkErrors.locked();
        apply(check, tx);
        return true;
      },
      tx,
    );
  }

  /**
   * Runs `apply` on the caller's check under its row lock, in one transaction. The lock makes concurrent changes
   * of one check queue up: each sees the previous one's items and version, so none is lost. `apply` returns
   * false when there is nothing to change (the version stays). Within `tx` when given (an idempotent request's).
   */
  private update(
    principal: Principal,
    checkId: string,
    apply: (check: Check, tx: EntityManager) => boolean,
    within?: EntityManager,
  ): Promise<Check> {
    return this.locked(
      principal,
      { id: checkId },
      async (check, tx) => {
        if (check.status === CheckStatus.CLOSED) throw checkErrors.closed();
        const before = totalsOf(check).total;
        if (!apply(check, tx)) return check;
        const { total } = totalsOf(check);
        if (total > MAX_AMOUNT_CENTS) throw checkErrors.totalTooLarge(total);
        await assertHeldCovered(tx, check, before, total);
        check.version += 1;
        check.updatedAt = new Date();
        await tx.flush();
        return check;
      },
      within,
    );
  }

  /**
   * Runs `run` on the caller's check (found by `where`), its items and taxes loaded, under its row lock: in a
   * transaction of its own, or in `within` when given.
   */
  private locked<T>(
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
    return within ? underLock(within) : this.em.transactional(underLock);
  }
}

/**
 * What payments hold on a check: recorded payments, and reservations of payments about to be recorded; and whether
 * `paymentId` is among them (one query: it runs under the check's lock, which every payment of the check queues for).
 */
async function heldOn(
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
async function assertHeldCovered(tx: EntityManager, check: Check, before: number, total: number): Promise<void> {
  const closing = check.status === CheckStatus.CLOSED;
  if (total >= before && !closing) return;
  const { held } = await heldOn(tx, check.id);
  if (total >= held) return;
  throw closing ? checkErrors.closeOverpaid(total, held) : checkErrors.totalBelowPaid(total, held);
}

const nextPosition = (rows: ReadonlyArray<{ position: number }>) =>
  rows.reduce((max, row) => Math.max(max, row.position + 1), 0);

function integerProblems(value: number | null | undefined, name: string, min: number, max: number): string[] {
  if (value == null) return [];
  return Number.isSafeInteger(value) && value >= min && value <= max
    ? []
    : [`${name}: must be an integer from ${min} to ${max}`];
}

function quantityProblems(value: number, name: string): string[] {
  if (!Number.isFinite(value) || value <= 0) return [`${name}: must be a number greater than 0`];
  if (value > CHECK_RULES.maxQuantity) return [`${name}: must be at most ${CHECK_RULES.maxQuantity}`];
  // The shortest text that reads back as this number shows its decimals (0.1 → "0.1", 1e-7 → "1e-7").
  if (!/^\d+(\.\d{1,3})?$/.test(String(value))) return [`${name}: at most 3 decimals`];
  return [];
}

/** A rate (basis points, 0 to 100 %) or a fixed amount (cents): exactly one of the two. */
function chargeProblems(input: { rateBps?: number | null; amountMinor?: number | null }, name: string): string[] {
  const hasRate = input.rateBps != null;
  const hasAmount = input.amountMinor != null;
  if (hasRate === hasAmount) return [`${name}.rateBps, ${name}.amountMinor: give exactly one of them`];
  return hasRate
    ? integerProblems(input.rateBps, `${name}.rateBps`, 0, CHECK_RULES.maxRateBps)
    : amountProblems(input.amountMinor, `${name}.amountMinor`);
}
