import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { LoyaltyContext } from '../../context';
import { Coupon } from './coupon.entity';
import { couponToken } from './coupon.tokens';

@Resolver(() => Coupon)
export class CouponResolver {
  @FieldResolver(() => String, {
    description: 'What the coupon’s QR code encodes; the POS sends it to redeemLoyaltyCoupon (a bearer value)',
  })
  qrToken(@Root() coupon: Coupon, @Ctx() ctx: LoyaltyContext): string {
    return couponToken(ctx.runtime.keys.coupon, coupon.id);
  }
}
