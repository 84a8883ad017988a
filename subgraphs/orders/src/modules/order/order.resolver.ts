import { IDEMPOTENCY_KEY_ARG, parseUuidArg, requirePrincipal } from '@pos/kit';
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { OrdersContext } from '../../context';
import { Location } from '../location/location.entity';
import { Order } from './order.entity';
import { CreateOrderInput } from './order.inputs';
import { CreateOrderPayload } from './order.payload';

@Resolver(() => Order)
export class OrderResolver {
  @Query(() => Order, { nullable: true })
  order(@Arg('id', () => ID) id: string, @Ctx() ctx: OrdersContext): Promise<Order | null> {
    requirePrincipal(ctx);
    return ctx.loaders.order.load(parseUuidArg(id, 'id'));
  }

  @Query(() => Order, {
    nullable: true,
    description: 'The order a partner knows by its own system’s id; null when there is none for the caller',
  })
  orderByExternalId(
    @Arg('externalSource') externalSource: string,
    @Arg('externalId') externalId: string,
    @Ctx() ctx: OrdersContext,
  ): Promise<Order | null> {
    return ctx.services.orders.byExternalId(requirePrincipal(ctx), externalSource, externalId);
  }

  @Mutation(() => CreateOrderPayload, { description: 'Opens an order (scope tilt/pos:orders)' })
  async createOrder(
    @Arg('input') input: CreateOrderInput,
    @Arg('idempotencyKey', () => String, IDEMPOTENCY_KEY_ARG)
    idempotencyKey: string | null,
    @Ctx() ctx: OrdersContext,
  ): Promise<CreateOrderPayload> {
    const { order, replayed } = await ctx.services.orders.create(requirePrincipal(ctx), input, idempotencyKey);
    return { order, idempotentReplay: replayed };
  }

  @FieldResolver(() => Location)
  async location(@Root() order: Order, @Ctx() ctx: OrdersContext): Promise<Location> {
    // The order was read within the tenant, so its location is too.
    return (await ctx.loaders.location.load(order.locationId))!;
  }
}
