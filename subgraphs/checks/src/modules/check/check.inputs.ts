import { CurrencyCode } from '@pos/kit/src/currency';
import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { CheckStatus } from './check.entity';
import { CheckTaxKind } from './check.totals';

@InputType()
export class OpenCheckInput {
  @Field(() => ID)
  locationId!: string;

  @Field({ description: 'Identifier of the check within the location (at most 64 characters); unique there' })
  posRef!: string;

  @Field({ description: 'At most 32 characters' })
  orderNumber!: string;

  @Field(() => String, { nullable: true })
  tableName?: string | null;

  @Field(() => Int, { nullable: true, description: '0 to 1000' })
  guestCount?: number | null;

  @Field()
  ownedByEmployeeRef!: string;

  @Field()
  ownedByEmployee!: string;

  @Field(() => CurrencyCode, {
    nullable: true,
    defaultValue: 'USD',
    description: 'The currency of every amount of the check',
  })
  currency?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Dual pricing: the card surcharge in basis points (0 to 10000); the item prices are card prices',
  })
  dualPricingRateBps?: number | null;

  @Field(() => ID, { nullable: true, description: 'The order (of the same location) this check belongs to' })
  orderId?: string | null;
}

@InputType()
export class CheckItemInput {
  @Field()
  posRef!: string;

  @Field()
  name!: string;

  @Field(() => Float, { description: 'More than 0, at most 100000, at most 3 decimals' })
  quantity!: number;

  @Field(() => String, { nullable: true })
  modifiersAsText?: string | null;

  @Field(() => Int, {
    description: "Total price of the line including modifiers, in minor units of the check's currency",
  })
  priceMinor!: number;
}

@InputType()
export class CheckTaxInput {
  @Field({ description: 'A tax of the same name on the check is replaced' })
  name!: string;

  @Field(() => CheckTaxKind)
  kind!: CheckTaxKind;

  @Field(() => Int, { nullable: true, description: 'A rate of the subtotal in basis points (800 = 8 %)' })
  rateBps?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "A fixed amount in minor units of the check's currency (instead of rateBps)",
  })
  amountMinor?: number | null;
}

@InputType()
export class SupplementalFeeInput {
  @Field()
  name!: string;

  @Field(() => Int, { nullable: true, description: 'A rate of the subtotal in basis points' })
  rateBps?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "A fixed amount in minor units of the check's currency (instead of rateBps)",
  })
  amountMinor?: number | null;
}

@InputType()
export class GratuityInput {
  @Field(() => Int, { nullable: true, description: 'A rate of the subtotal in basis points' })
  rateBps?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "A fixed amount in minor units of the check's currency (instead of rateBps)",
  })
  amountMinor?: number | null;
}

@InputType()
export class CheckFilter {
  @Field(() => [CheckStatus], { nullable: true, description: 'Default: OPEN only' })
  status?: CheckStatus[] | null;

  @Field(() => String, { nullable: true, description: 'Exact match' })
  orderNumber?: string | null;
}
