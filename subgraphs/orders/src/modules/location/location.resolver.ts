import { READ_SCOPES, requireReader } from '@pos/kit';
import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { parseIntIdArg } from '@pos/kit';
import type { OrdersContext } from '../../context';
import { Order } from '../order/order.entity';
import { Location } from './location.entity';

@Resolver(() => Location)
export class LocationResolver {
  @Query(() => [Location], { description: "The caller's locations" })
  locations(@Ctx() ctx: OrdersContext): Promise<Location[]> {
    return ctx.services.locations.list(requireReader(ctx, READ_SCOPES.locations));
  }

  @Query(() => Location, { nullable: true, description: "One of the caller's locations; null when it is not theirs" })
  location(
    @Arg('id', () => ID, { description: 'The location’s id' }) id: string,
    @Ctx() ctx: OrdersContext,
  ): Promise<Location | null> {
    requireReader(ctx, READ_SCOPES.location);
    return ctx.loaders.location.load(parseIntIdArg(id, 'id'));
  }

  @FieldResolver(() => [Order])
  orders(@Root() location: Location, @Ctx() ctx: OrdersContext): Promise<Order[]> {
    return ctx.loaders.ordersByLocation.load(location.id);
  }
}
