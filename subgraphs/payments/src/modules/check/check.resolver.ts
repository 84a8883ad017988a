import {
  type ConnectionPage,
  emptyConnection,
  isUuid,
  pageRequest,
  requirePrincipal,
  userErrorPayload,
} from '@pos/kit';
import { Money, money } from '@pos/kit/currency';
import { Arg, Args, Ctx, Directive, FieldResolver, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { PaymentsContext } from '../../context';
import { type Payment, PaymentConnection } from '../payment/payment.entity';
import { PaymentListArgs } from '../payment/payment.inputs';
import { listQuery } from '../payment/payment.resolver';
import { cashAmountDue } from './check-payment.service';
import { PayCheckInput } from './check.inputs';
import { PayCheckPayload } from './check.payload';
import { CheckRef, DualPricing } from './check.type';

const paidOn = (check: CheckRef, ctx: PaymentsContext): Promise<number> =>
  isUuid(check.id) ? ctx.loaders.paidByCheck.load(check.id.toLowerCase()) : Promise.resolve(0);

// The gateway always sends the total (@requires); without it there is nothing to measure against.
const totalOf = (check: CheckRef): Money => {
  if (!check.total) throw new Error(`Check ${check.id} reached the payments subgraph without its total`);
  return check.total;
};

const dueOn = async (check: CheckRef, ctx: PaymentsContext): Promise<number> =>
  Math.max(totalOf(check).amountMinor - (await paidOn(check, ctx)), 0);

const TOTAL = '@requires(fields: "total { amountMinor currency }")';
const DEPRECATED_PAID = 'Read amountPaid { amountMinor currency }.';
const DEPRECATED_DUE = 'Read amountDue { amountMinor currency }.';

@Resolver(() => CheckRef)
export class CheckPaymentsResolver {
  @Mutation(() => PayCheckPayload, {
    nullable: true,
    description:
      'Registers a sale a mobile provider ran on a check, at most what the check still owes (scope ' +
      'tilt/mobile:payments). Refusals are `userErrors`: AMOUNT_EXCEEDS_DUE (a further user error says what is ' +
      'due), CHECK_LOCKED, CHECK_NOT_OPEN, INVOICE_ALREADY_REGISTERED, CURRENCY_MISMATCH, VALIDATION (an expired ' +
      'card among them), IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY_IN_USE; a check the caller may not see is a ' +
      'top-level NOT_FOUND',
  })
  payCheck(
    @Arg('input', { description: 'The sale, and the idempotency key that makes a retry safe' })
    input: PayCheckInput,
    @Ctx() ctx: PaymentsContext,
  ) {
    const { idempotencyKey, ...sale } = input;
    return userErrorPayload(
      async () => {
        const result = await ctx.services.checkPayments.pay(requirePrincipal(ctx), sale, idempotencyKey);
        return {
          payment: result.payment,
          remainingAmount: money(result.remainingAmountCents, result.payment.currency),
          remainingAmountCents: result.remainingAmountCents,
          idempotentReplay: result.replayed,
        };
      },
      () => ({ idempotentReplay: false }),
    );
  }

  @FieldResolver(() => PaymentConnection, {
    description: 'The caller’s payments of this check, oldest first unless orderBy says otherwise, a page at a time',
  })
  payments(
    @Root() check: CheckRef,
    @Args() args: PaymentListArgs,
    @Ctx() ctx: PaymentsContext,
  ): Promise<ConnectionPage<Payment>> {
    const page = pageRequest(args);
    // A malformed id matches nothing; sent to PostgreSQL it would fail every Check of the batch (uuid cast).
    if (!isUuid(check.id)) return Promise.resolve(emptyConnection(args));
    return ctx.loaders.paymentPagesByCheck(listQuery(args), page).load(check.id.toLowerCase());
  }

  @Directive(TOTAL)
  @FieldResolver(() => Money, {
    description: 'Taken on this check so far: approved (and pending) payments less refunds (payments ledger)',
  })
  async amountPaid(@Root() check: CheckRef, @Ctx() ctx: PaymentsContext): Promise<Money> {
    return money(await paidOn(check, ctx), totalOf(check).currency);
  }

  @Directive(TOTAL)
  @FieldResolver(() => Money, { description: 'What the check still owes: its total less amountPaid; never below 0' })
  async amountDue(@Root() check: CheckRef, @Ctx() ctx: PaymentsContext): Promise<Money> {
    return money(await dueOn(check, ctx), totalOf(check).currency);
  }

  @FieldResolver(() => Int, {
    description: 'Amount already paid towards this check, in minor units (payments ledger)',
    deprecationReason: DEPRECATED_PAID,
  })
  paymentAmountPaid(@Root() check: CheckRef, @Ctx() ctx: PaymentsContext): Promise<number> {
    return paidOn(check, ctx);
  }

  @Directive(TOTAL)
  @FieldResolver(() => Int, {
    description: 'Remaining amount to be paid for the check, in minor units; never below 0',
    deprecationReason: DEPRECATED_DUE,
  })
  paymentAmountDue(@Root() check: CheckRef, @Ctx() ctx: PaymentsContext): Promise<number> {
    return dueOn(check, ctx);
  }

  @Directive('@requires(fields: "total { amountMinor currency } cashTotal { amountMinor currency }")')
  @FieldResolver(() => DualPricing, {
    nullable: true,
    description: 'Cash figures while dual pricing is in effect; null when it is not',
  })
  async dualPricing(@Root() check: CheckRef, @Ctx() ctx: PaymentsContext): Promise<DualPricing | null> {
    if (check.cashTotal == null || check.total == null) return null;
    const due = await dueOn(check, ctx);
    const { currency } = check.total;
    return {
      cashTotal: check.cashTotal,
      cashAmountDue: money(cashAmountDue(check.total.amountMinor, check.cashTotal.amountMinor, due), currency),
    };
  }
}
