import { randomUUID } from 'node:crypto';
import { Check, Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { CurrencyCode } from '@pos/kit/currency';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

/** Which actions need the customer's PIN (the loyalty API's verification gate). */
export enum VerificationPreset {
  /** Never gates. */
  STANDARD = 'STANDARD',
  /** Gates what takes value away: redeem and coupon redemption. */
  BALANCED = 'BALANCED',
  /** Gates every action, earn included, and refuses customer codes typed by hand. */
  STRICT = 'STRICT',
}
registerEnumType(VerificationPreset, {
  name: 'VerificationPreset',
  description: 'Which loyalty actions need the customer’s PIN',
  valuesConfig: {
    STANDARD: { description: 'None: no action asks for the PIN' },
    BALANCED: { description: 'What takes value away: redeeming points and redeeming coupons' },
    STRICT: { description: 'Every action, earning included; customer codes typed by hand are refused' },
  },
});

/**
 * A merchant's loyalty program. Its POS integration authenticates with an `X-Api-Key` that the gateway keeps (hashed)
 * and verifies; this subgraph only sees the org it was issued for.
 */
@ObjectType({ description: 'A merchant’s loyalty program: its customers, rules and PIN policy' })
@Entity({ tableName: 'loyalty_org' })
@Check({
  name: 'loyalty_org_stamps_check',
  expression: 'stamps_per_card >= 1 and max_stamps_per_earn between 1 and stamps_per_card',
})
@Check({ name: 'loyalty_org_earn_ratio_check', expression: 'earn_ratio_bps >= 0' })
export class LoyaltyOrg {
  @Field(() => ID, { description: 'The program’s id (a UUID)' })
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** The partner the program belongs to. */
  @Property({ length: 64, index: true })
  tenantId!: string;

  @Field({ description: 'The program’s name, to show customers' })
  @Property({ length: 200 })
  name!: string;

  @Field(() => VerificationPreset, { description: 'Which actions need the customer’s PIN' })
  @Property({ type: 'string', length: 16 })
  preset!: VerificationPreset;

  @Field({ description: 'False once the subscription lapsed: every action is then refused (subscription_required)' })
  @Property()
  subscriptionActive: boolean = true;

  /** Points per unit of currency spent, in basis points (10000 = 1.0), so that earning is exact integer arithmetic. */
  @Property({ type: 'integer' })
  earnRatioBps: number = 10_000;

  @Field(() => CurrencyCode, { description: 'The currency purchase amounts are in (ISO 4217)' })
  @Property({ length: 3 })
  currency: string = 'USD';

  @Field(() => Int, { description: 'Stamps that fill a card and issue its reward coupon' })
  @Property({ type: 'integer' })
  stampsPerCard: number = 5;

  @Field(() => Int, { description: 'The most stamps one earn may award' })
  @Property({ type: 'integer' })
  maxStampsPerEarn: number = 5;

  @Field({ description: 'The name of the coupon a full stamp card issues' })
  @Property({ length: 200 })
  rewardName: string = 'Free Coffee';

  @Field(() => Float, { description: 'Points earned per unit of currency spent' })
  get earnRatio(): number {
    return this.earnRatioBps / 10_000;
  }
}
