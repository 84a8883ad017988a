import { IDEMPOTENCY_KEY_ARG } from '@pos/kit';
import { CurrencyCode } from '@pos/kit/currency';
import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { CheckStatus } from './check.entity';
import { CheckTaxKind } from './check.totals';

@InputType({ description: 'A new check (bill) at one of the caller’s locations, as the POS names it' })
export class OpenCheckInput {
  @Field(() => ID, { description: 'The location the check is opened at (one the caller may act at)' })
  locationId!: string;

  @Field({ description: 'Identifier of the check within the location (at most 64 characters); unique there' })
  posRef!: string;

  @Field({ description: 'At most 32 characters' })
  orderNumber!: string;

  @Field(() => String, { nullable: true, description: 'The table the check is served at, at most 64 characters' })
  tableName?: string | null;

  @Field(() => Int, { nullable: true, description: '0 to 1000' })
  guestCount?: number | null;

  @Field({ description: 'The POS’s id of the employee who owns the check, at most 64 characters' })
  ownedByEmployeeRef!: string;

  @Field({ description: 'The name of that employee as staff see it, at most 128 characters' })
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

@InputType({ description: 'One line of a check, as the POS rang it up' })
export class CheckItemInput {
  @Field({ description: 'The POS’s id of the menu item, at most 64 characters' })
  posRef!: string;

  @Field({ description: 'What was sold, as the guest reads it on the bill; at most 200 characters' })
  name!: string;

  @Field(() => Float, { description: 'More than 0, at most 100000, at most 3 decimals' })
  quantity!: number;

  @Field(() => String, {
    nullable: true,
    description: 'The modifiers as one line of text ("no onions, extra cheese"), at most 500 characters',
  })
  modifiersAsText?: string | null;

  @Field(() => Int, {
    description: "Total price of the line including modifiers, in minor units of the check's currency",
  })
  priceMinor!: number;
}

@InputType({ description: 'A tax on a check: a rate of its subtotal or a fixed amount (give exactly one)' })
export class CheckTaxInput {
  @Field({ description: 'A tax of the same name on the check is replaced' })
  name!: string;

  @Field(() => CheckTaxKind, { description: 'Whether it adds to taxes or otherTaxes, or is already in the prices' })
  kind!: CheckTaxKind;

  @Field(() => Int, { nullable: true, description: 'A rate of the subtotal in basis points (800 = 8 %)' })
  rateBps?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "A fixed amount in minor units of the check's currency (instead of rateBps)",
  })
  amountMinor?: number | null;
}

@InputType({
  description: 'An additional fee (service fee, surcharge): a rate of the subtotal or a fixed amount (exactly one)',
})
export class SupplementalFeeInput {
  @Field({ description: 'The fee’s name as the guest reads it on the bill, at most 64 characters' })
  name!: string;

  @Field(() => Int, { nullable: true, description: 'A rate of the subtotal in basis points' })
  rateBps?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "A fixed amount in minor units of the check's currency (instead of rateBps)",
  })
  amountMinor?: number | null;
}

@InputType({ description: 'A gratuity (tip) on a check: a rate of the subtotal or a fixed amount (exactly one)' })
export class GratuityInput {
  @Field(() => Int, { nullable: true, description: 'A rate of the subtotal in basis points' })
  rateBps?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "A fixed amount in minor units of the check's currency (instead of rateBps)",
  })
  amountMinor?: number | null;
}

@InputType({ description: 'Which of a location’s checks to list; the open ones when absent' })
export class CheckFilter {
  @Field(() => [CheckStatus], { nullable: true, description: 'Default: OPEN only' })
  status?: CheckStatus[] | null;

  @Field(() => String, { nullable: true, description: 'Exact match' })
  orderNumber?: string | null;
}

/** The check a mutation acts on: the first field of every check mutation's input but openCheck's. */
const CheckIdField = () =>
  Field(() => ID, { description: 'The check, one of the caller’s (another organisation’s is a top-level NOT_FOUND)' });

@InputType({ description: 'An item to add to a check, and the idempotency key that makes a retry safe' })
export class AddCheckItemInput {
  @CheckIdField()
  checkId!: string;

  @Field(() => CheckItemInput, { description: 'The item' })
  item!: CheckItemInput;

  @Field(() => String, IDEMPOTENCY_KEY_ARG)
  idempotencyKey?: string | null;
}

@InputType({ description: 'An item to remove from a check' })
export class RemoveCheckItemInput {
  @CheckIdField()
  checkId!: string;

  @Field(() => ID, { description: 'The item, from `Check.items { id }`' })
  itemId!: string;
}

@InputType({ description: 'A tax to apply to a check' })
export class ApplyCheckTaxInput {
  @CheckIdField()
  checkId!: string;

  @Field(() => CheckTaxInput, { description: 'The tax; one of the same name on the check is replaced' })
  tax!: CheckTaxInput;
}

@InputType({ description: 'A tax to remove from a check, by name' })
export class RemoveCheckTaxInput {
  @CheckIdField()
  checkId!: string;

  @Field({ description: 'The name of the tax, as applied with applyCheckTax' })
  name!: string;
}

@InputType({ description: 'The supplemental fee of a check' })
export class SetSupplementalFeeInput {
  @CheckIdField()
  checkId!: string;

  @Field(() => SupplementalFeeInput, {
    nullable: true,
    description: 'The fee, replacing any; null (or absent) removes the fee',
  })
  fee?: SupplementalFeeInput | null;
}

@InputType({ description: 'The gratuity of a check' })
export class SetGratuityInput {
  @CheckIdField()
  checkId!: string;

  @Field(() => GratuityInput, {
    nullable: true,
    description: 'The gratuity, replacing any; null (or absent) removes it',
  })
  gratuity?: GratuityInput | null;
}

@InputType({ description: 'The check to lock while it is being paid' })
export class LockCheckInput {
  @CheckIdField()
  checkId!: string;
}

@InputType({ description: 'The check to unlock' })
export class UnlockCheckInput {
  @CheckIdField()
  checkId!: string;
}

@InputType({ description: 'The check to close for good' })
export class CloseCheckInput {
  @CheckIdField()
  checkId!: string;
}
