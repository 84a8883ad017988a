import { isUuid, parseUuidArg, requirePrincipal } from '@pos/kit';
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { PaymentsContext } from '../../context';
import { CheckRef } from '../check/check.type';
import { OrderRef } from '../order/order.type';
import { Payment } from './payment.entity';
import { CreatePaymentInput } from './payment.inputs';

@Resolver(() => Payment)
export class PaymentResolver {
  @Query(() => Payment, { nullable: true })
  payment(@Arg('id', () => ID) id: string, @Ctx() ctx: PaymentsContext): Promise<Payment | null> {
    requirePrincipal(ctx);
    return ctx.loaders.payment.load(parseUuidArg(id, 'id'));
  }

  @Mutation(() => Payment, { description: 'Records an approved payment on an order (walking-skeleton payment)' })
  createPayment(@Arg('input') input: CreatePaymentInput, @Ctx() ctx: PaymentsContext): Promise<Payment> {
    return ctx.services.payments.create(requirePrincipal(ctx), input);
  }

  @FieldResolver(() => OrderRef, { nullable: true })
  order(@Root() payment: Payment): OrderRef | null {
    return payment.orderId ? { id: payment.orderId } : null;
  }

  @FieldResolver(() => CheckRef, { nullable: true })
  check(@Root() payment: Payment): CheckRef | null {
    return payment.checkId ? { id: payment.checkId } : null;
  }
}

@Resolver(() => OrderRef)
export class OrderPaymentsResolver {
  @FieldResolver(() => [Payment])
  payments(@Root() order: OrderRef, @Ctx() ctx: PaymentsContext): Promise<Payment[]> {
    // A malformed id matches nothing; sent to PostgreSQL it would fail every Order of the batch (uuid cast).
    return isUuid(order.id) ? ctx.loaders.paymentsByOrder.load(order.id.toLowerCase()) : Promise.resolve([]);
  }
}

@Resolver(() => CheckRef)
export class CheckPaymentsResolver {
  @FieldResolver(() => [Payment])
  payments(@Root() check: CheckRef, @Ctx() ctx: PaymentsContext): Promise<Payment[]> {
    // A malformed id matches nothing; sent to PostgreSQL it would fail every Check of the batch (uuid cast).
    return isUuid(check.id) ? ctx.loaders.paymentsByCheck.load(check.id.toLowerCase()) : Promise.resolve([]);
  }
}
