import { isUuid, parseIntId, parseIntIdArg, parseUuidArg, requirePrincipal } from '@pos/kit';
import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { ChecksContext } from '../../context';
import { LocationRef } from '../location/location.type';
import { OrderRef } from '../order/order.type';
import { Check, CheckItem } from './check.entity';
import { checkTotals } from './check.totals';

@Resolver(() => Check)
export class CheckResolver {
  @Query(() => Check, { nullable: true })
  check(@Arg('id', () => ID) id: string, @Ctx() ctx: ChecksContext): Promise<Check | null> {
    requirePrincipal(ctx);
    return ctx.loaders.check.load(parseUuidArg(id, 'id'));
  }

  @Query(() => [Check], { description: "Open checks of one of the caller's locations" })
  openChecks(@Arg('locationId', () => ID) locationId: string, @Ctx() ctx: ChecksContext): Promise<Check[]> {
    requirePrincipal(ctx);
    return ctx.loaders.openChecksByLocation.load(parseIntIdArg(locationId, 'locationId'));
  }

  @FieldResolver(() => [CheckItem])
  items(@Root() check: Check): CheckItem[] {
    return check.items.getItems();
  }

  @FieldResolver(() => Int, { description: 'Sum of the items, in cents, excluding taxes, gratuity and fees' })
  subtotal(@Root() check: Check): number {
    return checkTotals(check.items.getItems(), check.taxes).subtotal;
  }

  @FieldResolver(() => Int, { description: 'Total of the check including all charges, in cents' })
  total(@Root() check: Check): number {
    return checkTotals(check.items.getItems(), check.taxes).total;
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

@Resolver(() => LocationRef)
export class LocationChecksResolver {
  @FieldResolver(() => [Check], { description: 'Open checks at this location' })
  openChecks(@Root() location: LocationRef, @Ctx() ctx: ChecksContext): Promise<Check[]> {
    const id = parseIntId(location.id);
    return id === null ? Promise.resolve([]) : ctx.loaders.openChecksByLocation.load(id);
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
