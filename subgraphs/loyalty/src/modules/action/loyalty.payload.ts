import { UserError, type UserErrorsPayload } from '@pos/kit';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Coupon } from '../coupon/coupon.entity';
import { LoyaltyCustomer } from '../customer/customer.entity';
import { LoyaltyTransaction } from '../ledger/ledger.entity';

@ObjectType({
  description:
    'Where the customer’s PIN verification stands after a refusal: the challenge to answer (PIN_REQUIRED), the ' +
    'attempts left (PIN_INVALID) or the lock (PIN_LOCKED); only the facts of that refusal are set',
})
export class LoyaltyPinVerification {
  @Field(() => ID, {
    nullable: true,
    description: 'PIN_REQUIRED: the challenge whose PIN the customer’s dashboard now shows',
  })
  challengeId!: string | null;

  @Field(() => Date, { nullable: true, description: 'PIN_REQUIRED: when that challenge expires (90 seconds)' })
  expiresAt!: Date | null;

  @Field(() => Int, {
    nullable: true,
    description: 'PIN_INVALID: wrong PINs this challenge still accepts; 0 means retry without a PIN for a fresh one',
  })
  remainingAttempts!: number | null;

  @Field(() => Date, { nullable: true, description: 'PIN_LOCKED: until when PIN verification is refused' })
  lockedUntil!: Date | null;

  @Field(() => Int, { nullable: true, description: 'PIN_LOCKED: seconds to wait before trying again' })
  retryAfterSeconds!: number | null;
}

/** The facts a PIN refusal carries (its DomainError data), as the payload's `pinVerification`. */
export function pinVerificationOf(data: Record<string, unknown>): { pinVerification: LoyaltyPinVerification } {
  const date = (value: unknown) => (typeof value === 'string' ? new Date(value) : null);
  const int = (value: unknown) => (typeof value === 'number' ? value : null);
  return {
    pinVerification: {
      challengeId: typeof data.challengeId === 'string' ? data.challengeId : null,
      expiresAt: date(data.expiresAt),
      remainingAttempts: int(data.remainingAttempts),
      lockedUntil: date(data.lockedUntil),
      retryAfterSeconds: int(data.retryAfterSeconds),
    },
  };
}

const USER_ERRORS =
  'Refusals of the input (customer not found, PIN required or wrong, balance too low, ...); empty on success, ' +
  'and then the other fields are set';
const PIN_VERIFICATION = 'Set with a PIN_* user error: the challenge, attempts left or lock; else null';

/** The fields earnLoyalty, redeemLoyalty and reverseLoyaltyTransaction answer alike, each in its own payload type. */
@ObjectType()
abstract class LoyaltyBalanceFields implements UserErrorsPayload {
  @Field(() => [UserError], { description: USER_ERRORS })
  userErrors!: UserError[];

  @Field(() => LoyaltyPinVerification, { nullable: true, description: PIN_VERIFICATION })
  pinVerification?: LoyaltyPinVerification | null;

  @Field({
    description:
      'True when this request repeats one already processed (an earn or redeem: the same `externalId`; a ' +
      'reversal: the same `idempotencyKey` and input): nothing was recorded this time, and the transaction is the ' +
      'one of the first time, the balances those of now',
  })
  idempotentReplay!: boolean;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Same as idempotentReplay',
    deprecationReason: 'Use idempotentReplay, the replay flag of every mutation',
  })
  alreadyProcessed?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'The customer’s points balance after the change' })
  points?: number | null;

  @Field(() => Int, { nullable: true, description: 'The customer’s stamps balance after the change' })
  stamps?: number | null;

  @Field(() => Coupon, { nullable: true, description: 'The reward coupon this earn issued, when it filled a card' })
  coupon?: Coupon | null;

  @Field(() => LoyaltyTransaction, {
    nullable: true,
    description: 'The ledger row recorded (for a repeat, the one recorded the first time)',
  })
  transaction?: LoyaltyTransaction | null;

  @Field(() => LoyaltyCustomer, { nullable: true, description: 'The customer, with their balances after the change' })
  customer?: LoyaltyCustomer | null;
}

@ObjectType({ description: 'The result of earnLoyalty: the customer’s balances after it; null fields on a refusal' })
export class EarnLoyaltyPayload extends LoyaltyBalanceFields {}

@ObjectType({ description: 'The result of redeemLoyalty: the customer’s balances after it; null fields on a refusal' })
export class RedeemLoyaltyPayload extends LoyaltyBalanceFields {}

@ObjectType({
  description: 'The result of reverseLoyaltyTransaction: the customer’s balances after it; null fields on a refusal',
})
export class ReverseLoyaltyTransactionPayload extends LoyaltyBalanceFields {}

@ObjectType({ description: 'The result of redeemLoyaltyCoupon; null fields on a refusal' })
export class RedeemLoyaltyCouponPayload implements UserErrorsPayload {
  @Field(() => [UserError], { description: USER_ERRORS })
  userErrors!: UserError[];

  @Field({
    description:
      'True when this is the stored result of an earlier request with the same `idempotencyKey` and input: ' +
      'nothing was recorded this time, and the coupon and transaction are those of the first redemption',
  })
  idempotentReplay!: boolean;

  @Field(() => LoyaltyPinVerification, { nullable: true, description: PIN_VERIFICATION })
  pinVerification?: LoyaltyPinVerification | null;

  @Field(() => Coupon, { nullable: true, description: 'The coupon, now redeemed' })
  coupon?: Coupon | null;

  @Field(() => LoyaltyTransaction, { nullable: true, description: 'The ledger row of the redemption' })
  transaction?: LoyaltyTransaction | null;
}
