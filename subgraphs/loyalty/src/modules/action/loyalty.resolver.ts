import { parseUuidArg, requirePrincipal, userErrorPayload } from '@pos/kit';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { LoyaltyContext } from '../../context';
import {
  EarnLoyaltyInput,
  RedeemLoyaltyCouponInput,
  RedeemLoyaltyInput,
  ReverseLoyaltyTransactionInput,
} from './loyalty.inputs';
import {
  EarnLoyaltyPayload,
  RedeemLoyaltyCouponPayload,
  RedeemLoyaltyPayload,
  ReverseLoyaltyTransactionPayload,
  pinVerificationOf,
} from './loyalty.payload';
import type { BalanceResult } from './loyalty.service';

const balance = async (work: Promise<BalanceResult>) => {
  const result = await work;
  return {
    ...result,
    idempotentReplay: result.alreadyProcessed,
    points: result.customer.points,
    stamps: result.customer.stamps,
  };
};
const refusal = (data: Record<string, unknown>) => ({ idempotentReplay: false, ...pinVerificationOf(data) });

const REFUSALS =
  'Refusals are `userErrors`: CUSTOMER_NOT_FOUND, SUBSCRIPTION_REQUIRED, MANUAL_CODE_DISABLED, PIN_REQUIRED (with ' +
  '`pinVerification.challengeId`), PIN_INVALID (with `remainingAttempts`), PIN_EXPIRED, PIN_ATTEMPTS_EXCEEDED, ' +
  'PIN_LOCKED (with `lockedUntil`)';

@Resolver()
export class LoyaltyActionResolver {
  @Mutation(() => EarnLoyaltyPayload, {
    nullable: true,
    description: `Awards points or stamps (scope tilt/loyalty:pos). ${REFUSALS}.`,
  })
  earnLoyalty(
    @Arg('input', { description: 'Who earns, how much, and the POS’s id of the purchase' }) input: EarnLoyaltyInput,
    @Ctx() ctx: LoyaltyContext,
  ) {
    return userErrorPayload(() => balance(ctx.services.loyalty.earn(requirePrincipal(ctx), input)), refusal);
  }

  @Mutation(() => RedeemLoyaltyPayload, {
    nullable: true,
    description: `Deducts points or stamps (scope tilt/loyalty:pos). ${REFUSALS}, INSUFFICIENT_BALANCE.`,
  })
  redeemLoyalty(
    @Arg('input', { description: 'Who redeems, how much, and the POS’s id of the redemption' })
    input: RedeemLoyaltyInput,
    @Ctx() ctx: LoyaltyContext,
  ) {
    return userErrorPayload(() => balance(ctx.services.loyalty.redeem(requirePrincipal(ctx), input)), refusal);
  }

  @Mutation(() => RedeemLoyaltyCouponPayload, {
    nullable: true,
    description: `Redeems a reward coupon by its QR token (scope tilt/loyalty:pos). ${REFUSALS}, COUPON_NOT_FOUND, COUPON_ALREADY_REDEEMED, IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY_IN_USE.`,
  })
  redeemLoyaltyCoupon(
    @Arg('input', { description: 'The coupon’s token and the customer’s PIN when asked' })
    input: RedeemLoyaltyCouponInput,
    @Ctx() ctx: LoyaltyContext,
  ) {
    return userErrorPayload(async () => {
      const { replayed, ...result } = await ctx.services.loyalty.redeemCoupon(requirePrincipal(ctx), input);
      return { ...result, idempotentReplay: replayed };
    }, refusal);
  }

  @Mutation(() => ReverseLoyaltyTransactionPayload, {
    nullable: true,
    description:
      'Undoes an earn or a redeem once, with the opposite delta (scope tilt/loyalty:pos). Refusals are ' +
      '`userErrors`: VALIDATION (no such transaction), NOT_REVERSIBLE, SUBSCRIPTION_REQUIRED, ' +
      'IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY_IN_USE.',
  })
  reverseLoyaltyTransaction(
    @Arg('input', { description: 'The transaction to reverse' }) input: ReverseLoyaltyTransactionInput,
    @Ctx() ctx: LoyaltyContext,
  ) {
    return userErrorPayload(
      () =>
        balance(
          ctx.services.loyalty.reverse(requirePrincipal(ctx), parseUuidArg(input.id, 'id'), input.idempotencyKey),
        ),
      refusal,
    );
  }
}
