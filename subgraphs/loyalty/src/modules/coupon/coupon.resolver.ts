import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { LoyaltyContext } from '../../context';
import { Coupon } from './coupon.entity';

@Resolver(() => Coupon)
export class CouponResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description:
      'What the coupon’s QR code encodes; the POS sends it to redeemLoyaltyCoupon. It redeems the coupon, so only ' +
      'the coupon’s customer (their dashboard) and the answer of the earn that issued it (or of its redemption) ' +
      'show it; null for every other reader',
  })
  qrToken(@Root() coupon: Coupon, @Ctx() ctx: LoyaltyContext): string | null {
    return ctx.services.coupons.tokenFor(coupon);
  }
}
