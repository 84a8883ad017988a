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
} from '@pos/kit';
import { Money, money } from '@pos/kit/src/currency';
import { Arg, Args, Ctx, Directive, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ChecksContext } from '../../context';
import { LocationRef } from '../location/location.type';
import { OrderRef } from '../order/order.type';
import { Check, CheckConnection, CheckItem, CheckStatus } from './check.entity';
import {
  CheckFilter,
  CheckItemInput,
  CheckTaxInput,
  GratuityInput,
  OpenCheckInput,
  SupplementalFeeInput,
} from './check.inputs';
import { posRefKey } from './check.loader';
import { totalsOf } from './check.service';
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

const named = ({ name, amount }: NamedAmount, currency: string) => ({ name, amount: money(amount, currency) });

@Resolver(() => Check)
export class CheckResolver {
  @Query(() => Check, { nullable: true })
  check(@Arg('id', () => ID) id: string, @Ctx() ctx: ChecksContext): Promise<Check | null> {
    requireReader(ctx, READ_SCOPES.checks);
    return ctx.loaders.check.load(parseUuidArg(id, 'id'));
  }

  @Mutation(() => Check, { description: "Opens a check at one of the caller's locations (scope tilt/pos:orders)" })
  openCheck(@Arg('input') input: OpenCheckInput, @Ctx() ctx: ChecksContext): Promise<Check> {
    return ctx.services.checks.open(requirePrincipal(ctx), input);
  }

  @Mutation(() => Check, { description: 'Adds an item (scope tilt/pos:orders); at most 500 per check' })
  addCheckItem(
    @Arg('checkId', () => ID) checkId: string,
    @Arg('item') item: CheckItemInput,
    @Ctx() ctx: ChecksContext,
  ): Promise<Check> {
    return ctx.services.checks.addItem(requirePrincipal(ctx), checkId, item);
  }

  @Mutation(() => Check, { description: 'Removes an item (scope tilt/pos:orders)' })
  removeCheckItem(
    @Arg('checkId', () => ID) checkId: string,
    @Arg('itemId', () => ID) itemId: string,
    @Ctx() ctx: ChecksContext,
  ): Promise<Check> {
    return ctx.services.checks.removeItem(requirePrincipal(ctx), checkId, itemId);
  }

  @Mutation(() => Check, {
    description: 'Applies a tax, replacing one of the same name (scope tilt/pos:orders)',
  })
  applyCheckTax(
    @Arg('checkId', () => ID) checkId: string,
    @Arg('tax') tax: CheckTaxInput,
    @Ctx() ctx: ChecksContext,
  ): Promise<Check> {
    return ctx.services.checks.applyTax(requirePrincipal(ctx), checkId, tax);
  }

  @Mutation(() => Check, { description: 'Removes the tax of that name (scope tilt/pos:orders)' })
  removeCheckTax(
    @Arg('checkId', () => ID) checkId: string,
    @Arg('name') name: string,
    @Ctx() ctx: ChecksContext,
  ): Promise<Check> {
    return ctx.services.checks.removeTax(requirePrincipal(ctx), checkId, name);
  }

  @Mutation(() => Check, { description: 'Sets the supplemental fee; null removes it (scope tilt/pos:orders)' })
  setSupplementalFee(
    @Arg('checkId', () => ID) checkId: string,
    @Arg('fee', () => SupplementalFeeInput, { nullable: true }) fee: SupplementalFeeInput | null,
    @Ctx() ctx: ChecksContext,
  ): Promise<Check> {
    return ctx.services.checks.setSupplementalFee(requirePrincipal(ctx), checkId, fee ?? null);
  }

  @Mutation(() => Check, { description: 'Sets the gratuity; null removes it (scope tilt/pos:orders)' })
  setGratuity(
    @Arg('checkId', () => ID) checkId: string,
    @Arg('gratuity', () => GratuityInput, { nullable: true }) gratuity: GratuityInput | null,
    @Ctx() ctx: ChecksContext,
  ): Promise<Check> {
    return ctx.services.checks.setGratuity(requirePrincipal(ctx), checkId, gratuity ?? null);
  }

  @Mutation(() => Check, { description: 'Locks the check while it is being paid (scope tilt/pos:orders)' })
  lockCheck(@Arg('checkId', () => ID) checkId: string, @Ctx() ctx: ChecksContext): Promise<Check> {
    return ctx.services.checks.lock(requirePrincipal(ctx), checkId);
  }

  @Mutation(() => Check, { description: 'Unlocks the check (scope tilt/pos:orders)' })
  unlockCheck(@Arg('checkId', () => ID) checkId: string, @Ctx() ctx: ChecksContext): Promise<Check> {
    return ctx.services.checks.unlock(requirePrincipal(ctx), checkId);
  }

  @Mutation(() => Check, { description: 'Closes the check for good (scope tilt/pos:orders)' })
  closeCheck(@Arg('checkId', () => ID) checkId: string, @Ctx() ctx: ChecksContext): Promise<Check> {
    return ctx.services.checks.close(requirePrincipal(ctx), checkId);
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
    return ctx.services.checks.reserve(requirePrincipal(ctx), { locationId, posRef, paymentId, amountCents });
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
    return ctx.services.checks.release(requirePrincipal(ctx), paymentId, heldCents);
  }

  @FieldResolver(() => [CheckItem])
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

  @FieldResolver(() => SupplementalFee, { nullable: true })
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

  @FieldResolver(() => LocationRef)
  location(@Root() check: Check): LocationRef {
    return { id: String(check.locationId) };
  }

  @FieldResolver(() => OrderRef, { nullable: true })
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
    const query = { status: filter?.status ?? [CheckStatus.OPEN], orderNumber: filter?.orderNumber ?? null };
    const id = parseIntId(location.id);
    const request = pageRequest(page);
    return id === null ? Promise.resolve(emptyConnection(page)) : ctx.loaders.checksByLocation(query, request).load(id);
  }

  @FieldResolver(() => Check, { nullable: true, description: "The caller's check of that posRef at this location" })
  check(
    @Root() location: LocationRef,
    @Arg('posRef') posRef: string,
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
