import { isUuid } from '@pos/kit';
import { Money } from '@pos/kit/currency';
import { Ctx, Directive, FieldResolver, Resolver, Root } from 'type-graphql';
import type { PaymentsContext } from '../../context';
import { EMPTY_LEDGER, type OrderPaymentState, orderPaymentState } from './order-payment.service';
import { OrderPaymentStatus, OrderRef } from './order.type';

// The four fields of one order share one ledger read, and the orders of one request share one query (the loader).
const stateOf = async (order: OrderRef, ctx: PaymentsContext): Promise<OrderPaymentState> => {
  // The gateway always sends the total (@requires); without it there is nothing to measure against.
  if (!order.total) throw new Error(`Order ${order.id} reached the payments subgraph without its total`);
  // A malformed id has no payments; sent to PostgreSQL it would fail every Order of the batch (uuid cast).
  const ledger = isUuid(order.id) ? await ctx.loaders.ledgerByOrder.load(order.id.toLowerCase()) : EMPTY_LEDGER;
  return orderPaymentState(order.total, ledger);
};

const TOTAL = '@requires(fields: "total { amountMinor currency }")';

@Resolver(() => OrderRef)
export class OrderPaymentStateResolver {
  @Directive(TOTAL)
  @FieldResolver(() => OrderPaymentStatus, {
    description: 'Where the order stands with its payments (each value states its rule)',
  })
  async paymentStatus(@Root() order: OrderRef, @Ctx() ctx: PaymentsContext): Promise<OrderPaymentStatus> {
    return (await stateOf(order, ctx)).paymentStatus;
  }

  @Directive(TOTAL)
  @FieldResolver(() => Money, {
    description:
      'Taken and kept: approved payments less what was refunded of them. Payments still waiting for the processor ' +
      'are not included',
  })
  async amountPaid(@Root() order: OrderRef, @Ctx() ctx: PaymentsContext): Promise<Money> {
    return (await stateOf(order, ctx)).amountPaid;
  }

  @Directive(TOTAL)
  @FieldResolver(() => Money, {
    description:
      'What a new payment may still take: the total less amountPaid and less payments still waiting for the ' +
      'processor; never below 0. A refund makes its amount due again',
  })
  async amountDue(@Root() order: OrderRef, @Ctx() ctx: PaymentsContext): Promise<Money> {
    return (await stateOf(order, ctx)).amountDue;
  }

  @Directive(TOTAL)
  @FieldResolver(() => Money, {
    description:
      'Returned to the customer: succeeded refunds, and the rest of a settled payment the processor reversed. Voids ' +
      'are not refunds (no money moved)',
  })
  async amountRefunded(@Root() order: OrderRef, @Ctx() ctx: PaymentsContext): Promise<Money> {
    return (await stateOf(order, ctx)).amountRefunded;
  }
}
