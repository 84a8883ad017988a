import { ConnectionArgs, type ConnectionPage, requirePrincipal } from '@pos/kit';
import { Arg, Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { LoyaltyContext } from '../../context';
import { type Coupon, CouponConnection, CouponStatus } from '../coupon/coupon.entity';
import { type LoyaltyTransaction, LoyaltyTransactionConnection } from '../ledger/ledger.entity';
import { LoyaltyOrg } from '../org/org.entity';
import { seesPinLock } from '../pin/pin.service';
import { LoyaltyCustomer } from './customer.entity';

@Resolver(() => LoyaltyCustomer)
export class CustomerResolver {
  @Query(() => LoyaltyCustomer, {
    nullable: true,
    description: 'A loyalty customer of one of the caller’s orgs (an org’s API key: of that org only)',
  })
  loyaltyCustomer(
    @Arg('code', { description: 'The customer’s 6-digit code' }) code: string,
    @Ctx() ctx: LoyaltyContext,
  ): Promise<LoyaltyCustomer | null> {
    return ctx.services.customers.byCode(requirePrincipal(ctx), code);
  }

  @FieldResolver(() => LoyaltyOrg, { description: 'The program the customer belongs to' })
  org(@Root() customer: LoyaltyCustomer): LoyaltyOrg {
    return customer.org;
  }

  @FieldResolver(() => LoyaltyTransactionConnection, {
    description: 'The customer’s ledger, newest first, one page at a time',
  })
  transactions(
    @Root() customer: LoyaltyCustomer,
    @Args() page: ConnectionArgs,
    @Ctx() ctx: LoyaltyContext,
  ): Promise<ConnectionPage<LoyaltyTransaction>> {
    return ctx.services.ledger.pageOf(customer.id, page);
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

  @FieldResolver(() => CouponConnection, {
    description: 'The customer’s coupons, newest first (by default the active ones), one page at a time',
  })
  coupons(
    @Root() customer: LoyaltyCustomer,
    @Arg('status', () => [CouponStatus], {
      defaultValue: [CouponStatus.ACTIVE],
      description: 'Only coupons in one of these states',
    })
    status: CouponStatus[],
    @Args() page: ConnectionArgs,
    @Ctx() ctx: LoyaltyContext,
  ): Promise<ConnectionPage<Coupon>> {
    return ctx.services.customers.couponsOf(customer.id, status, page);
  }
}
