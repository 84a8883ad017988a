import { ConnectionArgs, type ConnectionPage, READ_SCOPES, pageRequest, parseIntIdArg, requireReader } from '@pos/kit';
import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { OrdersContext } from '../../context';
import { type Order, OrderConnection, OrderOrder } from '../order/order.entity';
import { OrderListFilter } from '../order/order.inputs';
import { Location, LocationConnection } from './location.entity';

@Resolver(() => Location)
export class LocationResolver {
  @Query(() => LocationConnection, {
    description: 'The caller’s locations (a POS user’s: those of its roles), oldest first, a page at a time',
  })
  locations(@Args() page: ConnectionArgs, @Ctx() ctx: OrdersContext): Promise<ConnectionPage<Location>> {
    return ctx.services.locations.list(requireReader(ctx, READ_SCOPES.locations), page);
  }

  @Query(() => Location, { nullable: true, description: "One of the caller's locations; null when it is not theirs" })
  location(
    @Arg('id', () => ID, { description: 'The location’s id' }) id: string,
    @Ctx() ctx: OrdersContext,
  ): Promise<Location | null> {
    requireReader(ctx, READ_SCOPES.location);
    return ctx.loaders.location.load(parseIntIdArg(id, 'id'));
  }

  @FieldResolver(() => OrderConnection, {
    description:
      'The caller’s orders placed at this location, oldest first unless orderBy says otherwise, a page at a time',
  })
  orders(
    @Root() location: Location,
    @Arg('filter', () => OrderListFilter, { nullable: true, description: 'Which orders: by status and creation time' })
    filter: OrderListFilter | null,
    @Arg('orderBy', () => OrderOrder, {
      nullable: true,
      description: 'The order of the list; CREATED_AT_ASC by default',
    })
    orderBy: OrderOrder | null,
    @Args() page: ConnectionArgs,
    @Ctx() ctx: OrdersContext,
  ): Promise<ConnectionPage<Order>> {
    return ctx.loaders.orderPagesByLocation({ filter, orderBy }, pageRequest(page)).load(location.id);
  }
}
