import { UniqueConstraintViolationException } from '@mikro-orm/core';
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
import { CHECK_LIMITS, Check, CheckItem, CheckStatus, CheckTax } from './check.entity';
import { checkErrors } from './check.errors';
import type {
  CheckItemInput,
  CheckTaxInput,
  GratuityInput,
  OpenCheckInput,
  SupplementalFeeInput,
} from './check.inputs';
import { assertHeldCovered, lockedCheck } from './check.lock';
import { CHECK_RULES, chargeProblems, integerProblems, nextPosition, quantityProblems, totalsOf } from './check.rules';
import { CheckTaxKind } from './check.totals';

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

export const OPEN_CHECKS: CheckQuery = { status: [CheckStatus.OPEN], orderNumber: null };

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
    return lockedCheck(
      this.em,
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
}
