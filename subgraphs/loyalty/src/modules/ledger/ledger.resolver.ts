import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { LoyaltyContext } from '../../context';
import { OrderRef } from '../order/order.type';
import { LoyaltyTransaction } from './ledger.entity';

@Resolver(() => LoyaltyTransaction)
export class LedgerResolver {
  @FieldResolver(() => OrderRef, {
    nullable: true,
    description: 'The order the transaction came from, when its externalId is an Order’s id (resolved by orders)',
  })
  order(@Root() transaction: LoyaltyTransaction): OrderRef | null {
    return transaction.orderId ? { id: transaction.orderId } : null;
  }
}

@Resolver(() => OrderRef)
export class OrderLoyaltyResolver {
  @FieldResolver(() => [LoyaltyTransaction], {
    description: 'Loyalty transactions whose externalId is this order’s id, oldest first',
  })
  loyaltyTransactions(@Root() order: OrderRef, @Ctx() ctx: LoyaltyContext): Promise<LoyaltyTransaction[]> {
    return ctx.loaders.transactionsByOrder.load(order.id.toLowerCase());
  }
}
