import { Field, Int, ObjectType } from 'type-graphql';
import { Coupon } from '../coupon/coupon.entity';
import { LoyaltyCustomer } from '../customer/customer.entity';
import { LoyaltyTransaction } from '../ledger/ledger.entity';

@ObjectType({ description: 'The customer’s balances after an earn, a redeem or a reversal' })
export class LoyaltyBalancePayload {
  @Field({ description: 'True when this external id was already processed: nothing was recorded this time' })
  alreadyProcessed!: boolean;

  @Field(() => Int)
  points!: number;

  @Field(() => Int)
  stamps!: number;

  @Field(() => Coupon, { nullable: true, description: 'The reward coupon this earn issued, when it filled a card' })
  coupon!: Coupon | null;

  @Field(() => LoyaltyTransaction, {
    nullable: true,
    description: 'The ledger row recorded (for a repeat, the one recorded the first time)',
  })
  transaction!: LoyaltyTransaction | null;

  @Field(() => LoyaltyCustomer)
  customer!: LoyaltyCustomer;
}

@ObjectType()
export class RedeemLoyaltyCouponPayload {
  @Field(() => Coupon)
  coupon!: Coupon;

  @Field(() => LoyaltyTransaction)
  transaction!: LoyaltyTransaction;
}
