import { requirePrincipal } from '@pos/kit';
import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import type { LoyaltyContext } from '../../context';
import { Coupon, CouponStatus } from '../coupon/coupon.entity';
import { LoyaltyTransaction } from '../ledger/ledger.entity';
import { LoyaltyOrg } from '../org/org.entity';
import { seesPinLock } from '../pin/pin.service';
import { LoyaltyCustomer } from './customer.entity';

const MAX_PAGE = 200;

@Resolver(() => LoyaltyCustomer)
export class CustomerResolver {
  @Query(() => LoyaltyCustomer, {
    nullable: true,
    description: 'A loyalty customer of one of the caller’s orgs (an org’s API key: of that org only)',
  })
  loyaltyCustomer(@Arg('code') code: string, @Ctx() ctx: LoyaltyContext): Promise<LoyaltyCustomer | null> {
    return ctx.services.customers.byCode(requirePrincipal(ctx), code);
  }

  @FieldResolver(() => LoyaltyOrg)
  org(@Root() customer: LoyaltyCustomer): LoyaltyOrg {
    return customer.org;
  }

  @FieldResolver(() => [LoyaltyTransaction], {
    description: `The customer's ledger, newest first: at most \`first\` (1–${MAX_PAGE}) rows, older than \`before\``,
  })
  transactions(
    @Root() customer: LoyaltyCustomer,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('before', () => Date, { nullable: true }) before: Date | null,
    @Ctx() ctx: LoyaltyContext,
  ): Promise<LoyaltyTransaction[]> {
    return ctx.loaders.transactionsOf(Math.min(Math.max(first, 1), MAX_PAGE), before ?? null).load(customer.id);
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description:
      'Until when PIN verification is refused for this customer (too many incorrect PINs; the POS gets ' +
      'pin_attempts_exceeded); null when it is not. Shown to the customer, the org’s key and tokens with ' +
      'tilt/loyalty:pos; null for every other reader',
  })
  pinLockedUntil(@Root() customer: LoyaltyCustomer, @Ctx() ctx: LoyaltyContext): Promise<Date | null> | null {
    return seesPinLock(ctx.principal) ? ctx.loaders.pinLockedUntil.load(customer.id) : null;
  }

  @FieldResolver(() => [Coupon], { description: 'The customer’s coupons, newest first (by default the active ones)' })
  async coupons(
    @Root() customer: LoyaltyCustomer,
    @Arg('status', () => [CouponStatus], { defaultValue: [CouponStatus.ACTIVE] }) status: CouponStatus[],
    @Ctx() ctx: LoyaltyContext,
  ): Promise<Coupon[]> {
    const coupons = await ctx.loaders.coupons.load(customer.id);
    return coupons.filter((coupon) => status.includes(coupon.status));
  }
}
