import { ConnectionArgs, type ConnectionPage, pageRequest } from '@pos/kit';
import { Money, money } from '@pos/kit/currency';
import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { LoyaltyContext } from '../../context';
import { OrderRef } from '../order/order.type';
import { LoyaltyTransaction, LoyaltyTransactionConnection } from './ledger.entity';

// LoyaltyTransaction.order is the orders subgraph's (it requires orderId): only it knows whether that order exists.
@Resolver(() => OrderRef)
export class OrderLoyaltyResolver {
  @FieldResolver(() => LoyaltyTransactionConnection, {
    description: 'Loyalty transactions whose externalId is this order’s id, oldest first, a page at a time',
  })
  loyaltyTransactions(
    @Root() order: OrderRef,
    @Args() page: ConnectionArgs,
    @Ctx() ctx: LoyaltyContext,
  ): Promise<ConnectionPage<LoyaltyTransaction>> {
    return ctx.loaders.transactionPagesByOrder(null, pageRequest(page)).load(order.id.toLowerCase());
  }
}

@Resolver(() => LoyaltyTransaction)
export class LoyaltyTransactionResolver {
  @FieldResolver(() => Money, {
    nullable: true,
    description: 'The purchase total a point earn was computed from; null for every other kind of transaction',
  })
  amount(@Root() transaction: LoyaltyTransaction): Money | null {
    return transaction.amountCents === null || transaction.currency === null
      ? null
      : money(transaction.amountCents, transaction.currency);
  }
}
