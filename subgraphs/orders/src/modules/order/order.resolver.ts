import {
  ConnectionArgs,
  type ConnectionPage,
  parseUuidArg,
  requirePrincipal,
  READ_SCOPES,
  requireReader,
  userErrorPayload,
} from '@pos/kit';
import { Arg, Args, Ctx, Directive, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Money, money } from '@pos/kit/currency';
import type { OrdersContext } from '../../context';
import { Location } from '../location/location.entity';
import { HostedCheckout, checkoutStatus } from './order.checkout';
import { Order, OrderConnection, OrderOrder } from './order.entity';
import { CreateOrderInput, OrderFilter } from './order.inputs';
import { CreateOrderPayload } from './order.payload';
import { Level3Data, Level3LineItem } from './order.type';

@Resolver(() => Order)
export class OrderResolver {
  @Query(() => Order, {
    nullable: true,
    description: 'One of the caller’s orders; null when it does not exist or belongs to another organisation',
  })
  order(
    @Arg('id', () => ID, { description: 'The order’s id' }) id: string,
    @Ctx() ctx: OrdersContext,
  ): Promise<Order | null> {
    requireReader(ctx, READ_SCOPES.orders);
    return ctx.loaders.order.load(parseUuidArg(id, 'id'));
  }

  @Query(() => OrderConnection, {
    description:
      'The caller’s orders (a POS user’s: at its own locations), newest first unless orderBy says otherwise, a page at a time',
  })
  orders(
    @Arg('filter', () => OrderFilter, {
      nullable: true,
      description: 'Which orders: by status, creation time and location',
    })
    filter: OrderFilter | null,
    @Arg('orderBy', () => OrderOrder, {
      nullable: true,
      description: 'The order of the list; CREATED_AT_DESC by default',
    })
    orderBy: OrderOrder | null,
    @Args() page: ConnectionArgs,
    @Ctx() ctx: OrdersContext,
  ): Promise<ConnectionPage<Order>> {
    return ctx.services.orders.list(requireReader(ctx, READ_SCOPES.orders), filter, orderBy, page);
  }

  @Query(() => Order, {
    nullable: true,
    description: 'The order a partner knows by its own system’s id; null when there is none for the caller',
  })
  orderByExternalId(
    @Arg('externalSource', { description: 'The system the order comes from, as given to createOrder' })
    externalSource: string,
    @Arg('externalId', { description: 'The order’s id in that system' }) externalId: string,
    @Ctx() ctx: OrdersContext,
  ): Promise<Order | null> {
    return ctx.services.orders.byExternalId(requireReader(ctx, READ_SCOPES.orders), externalSource, externalId);
  }

  @Mutation(() => CreateOrderPayload, {
    nullable: true,
    description:
      'Opens an order (scope tilt/pos:orders). Refusals are `userErrors`: VALIDATION, IDEMPOTENCY_KEY_REUSED, ' +
      'IDEMPOTENCY_KEY_IN_USE; a location the caller may not act at is a top-level NOT_FOUND',
  })
  createOrder(
    @Arg('input', { description: 'The order, and the idempotency key that makes a retry safe' })
    input: CreateOrderInput,
    @Ctx() ctx: OrdersContext,
  ) {
    const { idempotencyKey, ...order } = input;
    return userErrorPayload(
      async () => {
        const created = await ctx.services.orders.create(requirePrincipal(ctx), order, idempotencyKey);
        return { order: created.order, idempotentReplay: created.replayed };
      },
      () => ({ idempotentReplay: false }),
    );
  }

  // Internal: only the gateway's hosted checkout calls it, on this subgraph directly with the signed internal context
  // (EntityClient.execute). @inaccessible keeps it out of the public graph, so no client's token can execute it.
  @Directive('@inaccessible')
  @Mutation(() => Order, {
    description:
      'Internal (the gateway’s hosted checkout, not in the public graph): marks the order’s hosted checkout paid by ' +
      'an approved payment of that order for its total, so its link stops working. Idempotent for the same payment; ' +
      'refusals: NOT_FOUND (no such checkout, or payment of the order), CONFLICT payment_not_approved, ' +
      'payment_amount_mismatch, checkout_already_paid (scope tilt/pos:payments)',
  })
  completeHostedCheckout(
    @Arg('orderId', () => ID) orderId: string,
    @Arg('checkoutId', () => ID) checkoutId: string,
    @Arg('paymentId', () => ID) paymentId: string,
    @Ctx() ctx: OrdersContext,
  ): Promise<Order> {
    return ctx.services.orders.completeHostedCheckout(requirePrincipal(ctx), { orderId, checkoutId, paymentId });
  }

  @FieldResolver(() => HostedCheckout, {
    nullable: true,
    description: 'The hosted payment page createOrder opened (with a returnUrl and something to pay); else null',
  })
  hostedCheckout(@Root() order: Order): HostedCheckout | null {
    if (!order.checkoutId || !order.checkoutExpiresAt) return null;
    const session = { expiresAt: order.checkoutExpiresAt, paidAt: order.checkoutPaidAt };
    return {
      id: order.checkoutId,
      status: checkoutStatus(session),
      expiresAt: session.expiresAt,
      paidAt: session.paidAt,
      paymentId: order.checkoutPaymentId,
      payment: order.checkoutPaymentId ? { id: order.checkoutPaymentId } : null,
    };
  }

  @FieldResolver(() => Level3Data, {
    nullable: true,
    description: 'Level 3 card data sent with the order’s card payments; null when the order was created without it',
  })
  level3(@Root() order: Order): Level3Data | null {
    if (!order.level3) return null;
    const lineItems = order.level3.lineItems.map((line) => ({ ...line, currency: order.currency }));
    return { ...order.level3, lineItems };
  }

  @FieldResolver(() => Money, { description: 'What the order costs in all; its payments are held against it' })
  total(@Root() order: Order): Money {
    return money(order.totalCents, order.currency);
  }

  @FieldResolver(() => Location, { description: 'The location the order was placed at' })
  async location(@Root() order: Order, @Ctx() ctx: OrdersContext): Promise<Location> {
    // The order was read within the tenant, so its location is too.
    return (await ctx.loaders.location.load(order.locationId))!;
  }
}

/** A Level 3 line's amounts in the currency of its order (the level3 field sets it). */
const lineMoney = (line: Level3LineItem, amountMinor: number): Money => {
  if (!line.currency) throw new Error('A Level 3 line reached the graph without its order’s currency');
  return money(amountMinor, line.currency);
};

@Resolver(() => Level3LineItem)
export class Level3LineItemResolver {
  @FieldResolver(() => Money, { description: 'Price of one unit' })
  unitCost(@Root() line: Level3LineItem): Money {
    return lineMoney(line, line.unitCostCents);
  }

  @FieldResolver(() => Money, { description: 'Tax on the line' })
  tax(@Root() line: Level3LineItem): Money {
    return lineMoney(line, line.taxCents);
  }

  @FieldResolver(() => Money, { description: 'Discount on the line' })
  discount(@Root() line: Level3LineItem): Money {
    return lineMoney(line, line.discountCents);
  }
}
