import { IDEMPOTENCY_KEY_ARG, isUuid, requirePrincipal } from '@pos/kit';
import { Arg, Ctx, Directive, FieldResolver, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { PaymentsContext } from '../../context';
import { Payment } from '../payment/payment.entity';
import { cashAmountDue } from './check-payment.service';
import { PayCheckInput } from './check.inputs';
import { PayCheckPayload } from './check.payload';
import { CheckRef, DualPricing } from './check.type';

const paidOn = (check: CheckRef, ctx: PaymentsContext): Promise<number> =>
  isUuid(check.id) ? ctx.loaders.paidByCheck.load(check.id.toLowerCase()) : Promise.resolve(0);

const dueOn = async (check: CheckRef, ctx: PaymentsContext): Promise<number> =>
  Math.max((check.total ?? 0) - (await paidOn(check, ctx)), 0);

@Resolver(() => CheckRef)
export class CheckPaymentsResolver {
  @Mutation(() => PayCheckPayload, {
    description:
      'Registers a sale a mobile provider ran on a check, at most what the check still owes (scope tilt/mobile:payments)',
  })
  async payCheck(
    @Arg('input') input: PayCheckInput,
    @Arg('idempotencyKey', () => String, IDEMPOTENCY_KEY_ARG)
    idempotencyKey: string | null,
    @Ctx() ctx: PaymentsContext,
  ): Promise<PayCheckPayload> {
    const result = await ctx.services.checkPayments.pay(requirePrincipal(ctx), input, idempotencyKey);
    return {
      payment: result.payment,
      remainingAmountCents: result.remainingAmountCents,
      idempotentReplay: result.replayed,
    };
  }

  @FieldResolver(() => [Payment])
  payments(@Root() check: CheckRef, @Ctx() ctx: PaymentsContext): Promise<Payment[]> {
    // A malformed id matches nothing; sent to PostgreSQL it would fail every Check of the batch (uuid cast).
    return isUuid(check.id) ? ctx.loaders.paymentsByCheck.load(check.id.toLowerCase()) : Promise.resolve([]);
  }

  @FieldResolver(() => Int, { description: 'Amount already paid towards this check, in cents (payments ledger)' })
  paymentAmountPaid(@Root() check: CheckRef, @Ctx() ctx: PaymentsContext): Promise<number> {
    return paidOn(check, ctx);
  }

  @Directive('@requires(fields: "total")')
  @FieldResolver(() => Int, { description: 'Remaining amount to be paid for the check, in cents; never below 0' })
  paymentAmountDue(@Root() check: CheckRef, @Ctx() ctx: PaymentsContext): Promise<number> {
    return dueOn(check, ctx);
  }

  @Directive('@requires(fields: "total cashTotal")')
  @FieldResolver(() => DualPricing, {
    nullable: true,
    description: 'Cash figures while dual pricing is in effect; null when it is not',
  })
  async dualPricing(@Root() check: CheckRef, @Ctx() ctx: PaymentsContext): Promise<DualPricing | null> {
    if (check.cashTotal == null || check.total == null) return null;
    const due = await dueOn(check, ctx);
    return { cashTotal: check.cashTotal, cashAmountDue: cashAmountDue(check.total, check.cashTotal, due) };
  }
}
