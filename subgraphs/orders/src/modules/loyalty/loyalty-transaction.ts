import { isUuid } from '@pos/kit';
import { Ctx, Directive, Field, FieldResolver, ID, ObjectType, Resolver, Root } from 'type-graphql';
import type { OrdersContext } from '../../context';
import { Order } from '../order/order.entity';

/**
 * LoyaltyTransaction is owned by the loyalty subgraph, which records the id of the order a transaction names (its
 * external id, when that is a UUID) without knowing whether such an order exists. This subgraph does, so the link
 * is resolved here: an id that is no order of the caller's links nothing, where a bare reference would name a
 * phantom order whose fields all fail.
 */
@Directive('@key(fields: "id")')
@ObjectType('LoyaltyTransaction')
export class LoyaltyTransactionRef {
  @Field(() => ID)
  id!: string;

  @Directive('@external')
  @Field(() => ID, { nullable: true })
  orderId?: string | null;
}

@Resolver(() => LoyaltyTransactionRef)
export class LoyaltyTransactionOrderResolver {
  @Directive('@requires(fields: "orderId")')
  @FieldResolver(() => Order, {
    nullable: true,
    description:
      'The order the transaction came from: the caller’s order whose id is its externalId (a reversal: its ' +
      'original’s); null when no such order exists for the caller',
  })
  order(@Root() transaction: LoyaltyTransactionRef, @Ctx() ctx: OrdersContext): Promise<Order | null> | null {
    const id = transaction.orderId;
    // A malformed id names no order; sent to PostgreSQL it would fail every order of the batch (uuid cast).
    return id && isUuid(id) ? ctx.loaders.order.load(id.toLowerCase()) : null;
  }
}
