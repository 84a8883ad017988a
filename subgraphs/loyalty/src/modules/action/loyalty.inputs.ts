import { IDEMPOTENCY_KEY_ARG } from '@pos/kit';
import { Field, Float, ID, InputType, Int, registerEnumType } from 'type-graphql';

/** The two balances a customer has: points (from purchase totals) and stamps (counted per visit). */
export enum LoyaltyCardType {
  POINT = 'POINT',
  STAMP = 'STAMP',
}
registerEnumType(LoyaltyCardType, {
  name: 'LoyaltyCardType',
  description: 'Which of the customer’s two balances an earn or a redeem changes',
  valuesConfig: {
    POINT: { description: 'Points, earned from a purchase total at the org’s earn ratio' },
    STAMP: { description: 'Stamps, counted per visit; a full card becomes a reward coupon' },
  },
});

const CODE = 'The customer’s 6-digit code (from their QR or typed by the cashier)';
const EXTERNAL_ID =
  'The POS’s unique id of this purchase or redemption (1–128 characters); a repeat is answered `alreadyProcessed` ' +
  'and records nothing. An Order’s id here links the transaction to that order.';
const PIN = 'The 4-digit PIN read from the customer’s dashboard, when the org’s preset asks for one (pin_required)';
const MANUAL = 'True when the cashier typed the code instead of scanning it; a STRICT org refuses that';

/** What an earn and a redeem both carry: who, the POS's id of the transaction, and how the customer was verified. */
@InputType()
abstract class CustomerActionInput {
  @Field({ description: CODE })
  customerCode!: string;

  @Field({ description: EXTERNAL_ID })
  externalId!: string;

  @Field(() => String, { nullable: true, description: PIN })
  verificationPin?: string | null;

  @Field({ defaultValue: false, description: MANUAL })
  manualCode!: boolean;
}

@InputType({ description: 'Award points for a purchase, or stamps (what the POS webhook POST /webhook/pos does)' })
export class EarnLoyaltyInput extends CustomerActionInput {
  @Field(() => LoyaltyCardType, {
    defaultValue: LoyaltyCardType.POINT,
    description: 'POINT (give amountMinor) or STAMP (give stamps); POINT when absent',
  })
  cardType!: LoyaltyCardType;

  @Field(() => Int, {
    nullable: true,
    description:
      'POINT: the purchase total in minor units of the org’s currency; points = round(total × earn ratio), half up',
  })
  amountMinor?: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'STAMP: the stamps to award; rounded half up, at least 1, at most the org’s maxStampsPerEarn',
  })
  stamps?: number | null;
}

@InputType({ description: 'Deduct points or stamps (what the POS webhook POST /webhook/redeem does)' })
export class RedeemLoyaltyInput extends CustomerActionInput {
  @Field(() => LoyaltyCardType, {
    defaultValue: LoyaltyCardType.STAMP,
    description: 'Which balance to deduct `value` from; STAMP when absent',
  })
  cardType!: LoyaltyCardType;

  @Field(() => Int, { description: 'How many points or stamps to deduct (a positive integer)' })
  value!: number;
}

@InputType({ description: 'Redeem a reward coupon by its QR token (POST /webhook/coupons/redeem)' })
export class RedeemLoyaltyCouponInput {
  @Field({ description: 'The coupon’s qrToken, scanned from the customer’s QR or taken from the earn response' })
  token!: string;

  @Field(() => String, { nullable: true, description: PIN })
  verificationPin?: string | null;

  @Field({ defaultValue: false, description: 'True when the cashier typed the token instead of scanning it' })
  manualCode!: boolean;

  @Field(() => String, {
    ...IDEMPOTENCY_KEY_ARG,
    description: `${IDEMPOTENCY_KEY_ARG.description}, with \`idempotentReplay: true\`, where a repeat without a key is COUPON_ALREADY_REDEEMED`,
  })
  idempotencyKey?: string | null;
}

@InputType({ description: 'Undo an earn or a redeem' })
export class ReverseLoyaltyTransactionInput {
  @Field(() => ID, { description: 'The id of the EARN or REDEEM loyalty transaction to reverse' })
  id!: string;

  @Field(() => String, {
    ...IDEMPOTENCY_KEY_ARG,
    description: `${IDEMPOTENCY_KEY_ARG.description}, with \`idempotentReplay: true\`, where a repeat without a key is NOT_REVERSIBLE`,
  })
  idempotencyKey?: string | null;
}
