import { parseUuidArg, requirePrincipal } from '@pos/kit';
import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { LoyaltyContext } from '../../context';
import { EarnLoyaltyInput, RedeemLoyaltyCouponInput, RedeemLoyaltyInput } from './loyalty.inputs';
import { LoyaltyBalancePayload, RedeemLoyaltyCouponPayload } from './loyalty.payload';
import type { BalanceResult } from './loyalty.service';

const payload = (result: BalanceResult): LoyaltyBalancePayload => ({
  ...result,
  points: result.customer.points,
  stamps: result.customer.stamps,
});

const GATE =
  'Refusals carry extensions.reason: customer not found, subscription_required, manual_code_disabled, ' +
  'pin_required (with challengeId), pin_invalid (with remainingAttempts), pin_expired, pin_attempts_exceeded, ' +
  'pin_locked (the customer’s PINs, after too many wrong ones: with lockedUntil and retryAfterSeconds)';

@Resolver()
export class LoyaltyActionResolver {
  @Mutation(() => LoyaltyBalancePayload, {
    description: `Awards points or stamps (scope tilt/loyalty:pos). ${GATE}.`,
  })
  async earnLoyalty(@Arg('input') input: EarnLoyaltyInput, @Ctx() ctx: LoyaltyContext) {
    return payload(await ctx.services.loyalty.earn(requirePrincipal(ctx), input));
  }

  @Mutation(() => LoyaltyBalancePayload, {
    description: `Deducts points or stamps (scope tilt/loyalty:pos). ${GATE}, insufficient_balance.`,
  })
  async redeemLoyalty(@Arg('input') input: RedeemLoyaltyInput, @Ctx() ctx: LoyaltyContext) {
    return payload(await ctx.services.loyalty.redeem(requirePrincipal(ctx), input));
  }

  @Mutation(() => RedeemLoyaltyCouponPayload, {
    description: `Redeems a reward coupon by its QR token (scope tilt/loyalty:pos). ${GATE}, coupon not found, coupon_already_redeemed.`,
  })
  redeemLoyaltyCoupon(@Arg('input') input: RedeemLoyaltyCouponInput, @Ctx() ctx: LoyaltyContext) {
    return ctx.services.loyalty.redeemCoupon(requirePrincipal(ctx), input);
  }

  @Mutation(() => LoyaltyBalancePayload, {
    description: 'Undoes an earn or a redeem once, with the opposite delta (scope tilt/loyalty:pos)',
  })
  async reverseLoyaltyTransaction(@Arg('id', () => ID) id: string, @Ctx() ctx: LoyaltyContext) {
    return payload(await ctx.services.loyalty.reverse(requirePrincipal(ctx), parseUuidArg(id, 'id')));
  }
}
