import { parseUuidArg, requirePrincipal } from '@pos/kit';
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { OrdersContext } from '../../context';
import { Location } from '../location/location.entity';
import { Order } from './order.entity';
import { CreateOrderInput } from './order.inputs';

@Resolver(() => Order)
export class OrderResolver {
  @Query(() => Order, { nullable: true })
  order(@Arg('id', () => ID) id: string, @Ctx() ctx: OrdersContext): Promise<Order | null> {
    requirePrincipal(ctx);
    return ctx.loaders.order.load(parseUuidArg(id, 'id'));
  }

  @Mutation(() => Order)
  createOrder(@Arg('input') input: CreateOrderInput, @Ctx() ctx: OrdersContext): Promise<Order> {
    return ctx.services.orders.create(requirePrincipal(ctx), input);
  }

  @FieldResolver(() => Location)
  async location(@Root() order: Order, @Ctx() ctx: OrdersContext): Promise<Location> {
    // The order was read within the tenant, so its location is too.
    return (await ctx.loaders.location.load(order.locationId))!;
  }
}
