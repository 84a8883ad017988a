import {
  ConnectionArgs,
  type ConnectionPage,
  emptyConnection,
  pageRequest,
  isUuid,
  parseIntId,
  parseUuidArg,
  requirePrincipal,
  READ_SCOPES,
  requireReader,
  userErrorPayload,
} from '@pos/kit';
import { Money, money } from '@pos/kit/currency';
import { Arg, Args, Ctx, Directive, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ChecksContext } from '../../context';
import { LocationRef } from '../location/location.type';
import { OrderRef } from '../order/order.type';
import { Check, CheckConnection, CheckItem, CheckStatus } from './check.entity';
import {
  AddCheckItemInput,
  ApplyCheckTaxInput,
  CheckFilter,
  CloseCheckInput,
  LockCheckInput,
  OpenCheckInput,
  RemoveCheckItemInput,
  RemoveCheckTaxInput,
  SetGratuityInput,
  SetSupplementalFeeInput,
  UnlockCheckInput,
} from './check.inputs';
import {
  AddCheckItemPayload,
  ApplyCheckTaxPayload,
  CloseCheckPayload,
  LockCheckPayload,
  OpenCheckPayload,
  RemoveCheckItemPayload,
  RemoveCheckTaxPayload,
  SetGratuityPayload,
  SetSupplementalFeePayload,
  UnlockCheckPayload,
} from './check.payload';
import { posRefKey } from './check.loader';
import { totalsOf } from './check.rules';
import type { CheckTotals, NamedAmount } from './check.totals';
import { CheckTaxAmount, SupplementalFee } from './check.type';

// The money fields of a check are computed once however many of them a query selects. Keyed by version too: one
// operation may change the same check object again (two mutations) after its fields were read.
const computed = new WeakMap<Check, { version: number; totals: CheckTotals }>();
function totals(check: Check): CheckTotals {
  let entry = computed.get(check);
  if (entry?.version !== check.version) {
    entry = { version: check.version, totals: totalsOf(check) };
    computed.set(check, entry);
  }
  return entry.totals;
}

/** The refusals every change of a check's content may answer, as its mutations describe them. */
const EDIT_REFUSALS =
  'Refusals are `userErrors`: VALIDATION, CHECK_LOCKED, CHECK_CLOSED, CHECK_TOTAL_BELOW_PAID (a change that lowers ' +
  'the total below what is paid), CHECK_TOTAL_TOO_LARGE; a check of another tenant is a top-level NOT_FOUND';

/** A check mutation's payload: the check it answers, or its refusal as user errors. */
const answer = (work: () => Promise<Check>) => userErrorPayload(async () => ({ check: await work() }));

const named = ({ name, amount }: NamedAmount, currency: string) => ({ name, amount: money(amount, currency) });

@Resolver(() => Check)
export class CheckResolver {
  @Query(() => Check, {
    nullable: true,
    description: 'One of the caller’s checks; null when it does not exist or belongs to another organisation',
  })
  check(
    @Arg('id', () => ID, { description: 'The check’s id' }) id: string,
    @Ctx() ctx: ChecksContext,
  ): Promise<Check | null> {
    requireReader(ctx, READ_SCOPES.checks);
    return ctx.loaders.check.load(parseUuidArg(id, 'id'));
  }

  @Mutation(() => OpenCheckPayload, {
    nullable: true,
    description:
      "Opens a check at one of the caller's locations (scope tilt/pos:orders). Refusals are `userErrors`: " +
      'VALIDATION, DUPLICATE_POS_REF; a location or order the caller may not act at is a top-level NOT_FOUND',
  })
  openCheck(
    @Arg('input', { description: 'The check: where, the POS’s names for it, and its currency' }) input: OpenCheckInput,
    @Ctx() ctx: ChecksContext,
  ) {
    return answer(() => ctx.services.checks.open(requirePrincipal(ctx), input));
  }

  @Mutation(() => AddCheckItemPayload, {
    nullable: true,
    description:
      `Adds an item, at most 500 per check (scope tilt/pos:orders). ${EDIT_REFUSALS}, CHECK_FULL, ` +
      'IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY_IN_USE',
  })
  addCheckItem(
    @Arg('input', { description: 'The check, the item, and the idempotency key that makes a retry safe' })
    input: AddCheckItemInput,
    @Ctx() ctx: ChecksContext,
  ) {
    return userErrorPayload(
      async () => {
        const added = await ctx.services.checks.addItem(
          requirePrincipal(ctx),
          input.checkId,
          input.item,
          input.idempotencyKey,
        );
        return { check: added.check, idempotentReplay: added.replayed };
      },
      () => ({ idempotentReplay: false }),
    );
  }

  @Mutation(() => RemoveCheckItemPayload, {
    nullable: true,
    description: `Removes an item (scope tilt/pos:orders). ${EDIT_REFUSALS}, CHECK_ITEM_NOT_FOUND`,
  })
  removeCheckItem(
    @Arg('input', { description: 'The check and its item' }) input: RemoveCheckItemInput,
    @Ctx() ctx: ChecksContext,
  ) {
    return answer(() => ctx.services.checks.removeItem(requirePrincipal(ctx), input.checkId, input.itemId));
  }

  @Mutation(() => ApplyCheckTaxPayload, {
    nullable: true,
    description: `Applies a tax, replacing one of the same name (scope tilt/pos:orders). ${EDIT_REFUSALS}`,
  })
  applyCheckTax(
    @Arg('input', { description: 'The check and the tax' }) input: ApplyCheckTaxInput,
    @Ctx() ctx: ChecksContext,
  ) {
    return answer(() => ctx.services.checks.applyTax(requirePrincipal(ctx), input.checkId, input.tax));
  }

  @Mutation(() => RemoveCheckTaxPayload, {
    nullable: true,
    description: `Removes the tax of that name (scope tilt/pos:orders). ${EDIT_REFUSALS}, CHECK_TAX_NOT_FOUND`,
  })
  removeCheckTax(
    @Arg('input', { description: 'The check and the name of its tax' }) input: RemoveCheckTaxInput,
    @Ctx() ctx: ChecksContext,
  ) {
    return answer(() => ctx.services.checks.removeTax(requirePrincipal(ctx), input.checkId, input.name));
  }

  @Mutation(() => SetSupplementalFeePayload, {
    nullable: true,
    description: `Sets the supplemental fee; null removes it (scope tilt/pos:orders). ${EDIT_REFUSALS}`,
  })
  setSupplementalFee(
    @Arg('input', { description: 'The check and its fee' }) input: SetSupplementalFeeInput,
    @Ctx() ctx: ChecksContext,
  ) {
    return answer(() =>
      ctx.services.checks.setSupplementalFee(requirePrincipal(ctx), input.checkId, input.fee ?? null),
    );
  }

  @Mutation(() => SetGratuityPayload, {
    nullable: true,
    description: `Sets the gratuity; null removes it (scope tilt/pos:orders). ${EDIT_REFUSALS}`,
  })
  setGratuity(
    @Arg('input', { description: 'The check and its gratuity' }) input: SetGratuityInput,
    @Ctx() ctx: ChecksContext,
  ) {
    return answer(() => ctx.services.checks.setGratuity(requirePrincipal(ctx), input.checkId, input.gratuity ?? null));
  }

  @Mutation(() => LockCheckPayload, {
    nullable: true,
    description:
      'Locks the check while it is being paid; locking a locked check changes nothing (scope tilt/pos:orders). ' +
      'Refusals are `userErrors`: VALIDATION, CHECK_CLOSED',
  })
  lockCheck(@Arg('input', { description: 'The check' }) input: LockCheckInput, @Ctx() ctx: ChecksContext) {
    return answer(() => ctx.services.checks.lock(requirePrincipal(ctx), input.checkId));
  }

  @Mutation(() => UnlockCheckPayload, {
    nullable: true,
    description: 'Unlocks the check (scope tilt/pos:orders). Refusals are `userErrors`: VALIDATION, CHECK_CLOSED',
  })
  unlockCheck(@Arg('input', { description: 'The check' }) input: UnlockCheckInput, @Ctx() ctx: ChecksContext) {
    return answer(() => ctx.services.checks.unlock(requirePrincipal(ctx), input.checkId));
  }

  @Mutation(() => CloseCheckPayload, {
    nullable: true,
    description:
      'Closes the check for good (scope tilt/pos:orders). Refusals are `userErrors`: VALIDATION, CHECK_LOCKED, ' +
      'CHECK_CLOSED, CHECK_TOTAL_BELOW_PAID (it holds more payments than its total)',
  })
  closeCheck(@Arg('input', { description: 'The check' }) input: CloseCheckInput, @Ctx() ctx: ChecksContext) {
    return answer(() => ctx.services.checks.close(requirePrincipal(ctx), input.checkId));
  }

  // The payments subgraph's side of a payment on a check, never a client's: @inaccessible keeps both off the public
  // graph, and payments calls them here directly with the caller's signed context.
  @Directive('@inaccessible')
  @Mutation(() => Check, {
    description:
      'Server-side only (payments): holds an amount of the check for a payment about to be recorded, under the ' +
      'check’s lock; refused above the total less what is held. Idempotent by paymentId (scope tilt/mobile:payments)',
  })
  reserveCheckAmount(
    @Arg('locationId', () => ID) locationId: string,
    @Arg('posRef') posRef: string,
    @Arg('paymentId', () => ID) paymentId: string,
    @Arg('amountCents', () => Int) amountCents: number,
    @Ctx() ctx: ChecksContext,
  ): Promise<Check> {
    return ctx.services.reservations.reserve(requirePrincipal(ctx), { locationId, posRef, paymentId, amountCents });
  }

  @Directive('@inaccessible')
  @Mutation(() => Int, {
    description:
      'Server-side only (payments): lowers what a payment holds on its check to heldCents (0 forgets it); never ' +
      'raises it. Answers what stays held (scope tilt/mobile:payments)',
  })
  releaseCheckReservation(
    @Arg('paymentId', () => ID) paymentId: string,
    @Arg('heldCents', () => Int) heldCents: number,
    @Ctx() ctx: ChecksContext,
  ): Promise<number> {
    return ctx.services.reservations.release(requirePrincipal(ctx), paymentId, heldCents);
  }

  @FieldResolver(() => [CheckItem], { description: 'The items, in the order they were added' })
  items(@Root() check: Check): CheckItem[] {
    return check.items.getItems();
  }

  @FieldResolver(() => Money, { description: 'Sum of the item prices, excluding taxes, gratuity and fees' })
  subtotal(@Root() check: Check): Money {
    return money(totals(check).subtotal, check.currency);
  }

  @FieldResolver(() => Money, { description: 'Standard taxes' })
  taxes(@Root() check: Check): Money {
    return money(totals(check).taxes, check.currency);
  }

  @FieldResolver(() => Money, { description: 'Other (non-standard) taxes' })
  otherTaxes(@Root() check: Check): Money {
    return money(totals(check).otherTaxes, check.currency);
  }

  @FieldResolver(() => [CheckTaxAmount], { description: 'The standard and other taxes, as applied' })
  taxList(@Root() check: Check): CheckTaxAmount[] {
    return totals(check).taxList.map((tax) => named(tax, check.currency));
  }

  @FieldResolver(() => [CheckTaxAmount], { description: 'Taxes included in the prices; not added to the total' })
  hiddenTaxList(@Root() check: Check): CheckTaxAmount[] {
    return totals(check).hiddenTaxList.map((tax) => named(tax, check.currency));
  }

  @FieldResolver(() => SupplementalFee, {
    nullable: true,
    description: 'The additional fee (service fee, surcharge) and what it comes to; null when there is none',
  })
  supplementalFee(@Root() check: Check): SupplementalFee | null {
    const fee = totals(check).supplementalFee;
    return fee && named(fee, check.currency);
  }

  @FieldResolver(() => Money, { description: 'Gratuity' })
  gratuity(@Root() check: Check): Money {
    return money(totals(check).gratuity, check.currency);
  }

  @FieldResolver(() => Money, { description: 'Total of the check including all charges' })
  total(@Root() check: Check): Money {
    return money(totals(check).total, check.currency);
  }

  @FieldResolver(() => Money, {
    nullable: true,
    description: 'The total when paid in cash while dual pricing is in effect; null without dual pricing',
  })
  cashTotal(@Root() check: Check): Money | null {
    const cashTotal = totals(check).cashTotal;
    return cashTotal === null ? null : money(cashTotal, check.currency);
  }

  @FieldResolver(() => LocationRef, { description: 'The location the check was opened at' })
  location(@Root() check: Check): LocationRef {
    return { id: String(check.locationId) };
  }

  @FieldResolver(() => OrderRef, {
    nullable: true,
    description: 'The order the check belongs to; null when it was opened without one',
  })
  order(@Root() check: Check): OrderRef | null {
    return check.orderId ? { id: check.orderId } : null;
  }
}

@Resolver(() => CheckItem)
export class CheckItemResolver {
  @FieldResolver(() => Money, { description: 'Total price of the line including modifiers (not multiplied again)' })
  price(@Root() item: CheckItem): Money {
    return money(item.price, item.check.currency);
  }
}

@Resolver(() => LocationRef)
export class LocationChecksResolver {
  @FieldResolver(() => CheckConnection, {
    description: "The caller's checks at this location, oldest first (by default the open ones), one page at a time",
  })
  checks(
    @Root() location: LocationRef,
    @Arg('filter', () => CheckFilter, {
      nullable: true,
      description: 'Which checks: by status (default OPEN only) and order number',
    })
    filter: CheckFilter | null,
    @Args() page: ConnectionArgs,
    @Ctx() ctx: ChecksContext,
  ): Promise<ConnectionPage<Check>> {
    // The guard of the root openChecks this field replaces (a token that may read checks, at its own locations), as
    // an empty list: the Location itself is the orders subgraph's to show.
    const principal = ctx.principal;
    if (!principal || !READ_SCOPES.checks.some((scope) => principal.scopes.includes(scope))) {
      return Promise.resolve(emptyConnection(page));
    }
    // Sorted, so that the same statuses in another order share one loader (and one query).
    const status = [...(filter?.status ?? [CheckStatus.OPEN])].sort();
    const query = { status, orderNumber: filter?.orderNumber ?? null };
    const id = parseIntId(location.id);
    const request = pageRequest(page);
    return id === null ? Promise.resolve(emptyConnection(page)) : ctx.loaders.checksByLocation(query, request).load(id);
  }

  @FieldResolver(() => Check, { nullable: true, description: "The caller's check of that posRef at this location" })
  check(
    @Root() location: LocationRef,
    @Arg('posRef', { description: 'The check’s identifier within the location, as the POS knows it' }) posRef: string,
    @Ctx() ctx: ChecksContext,
  ): Promise<Check | null> {
    const id = parseIntId(location.id);
    return id === null ? Promise.resolve(null) : ctx.loaders.checkByPosRef.load(posRefKey(id, posRef));
  }
}

@Resolver(() => OrderRef)
export class OrderChecksResolver {
  @FieldResolver(() => [Check], { description: 'Checks that belong to this order' })
  checks(@Root() order: OrderRef, @Ctx() ctx: ChecksContext): Promise<Check[]> {
    // A malformed id matches nothing; sent to PostgreSQL it would fail every Order of the batch (uuid cast).
    return isUuid(order.id) ? ctx.loaders.checksByOrder.load(order.id.toLowerCase()) : Promise.resolve([]);
  }
}
