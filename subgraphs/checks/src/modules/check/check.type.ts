import { Money } from '@pos/kit/currency';
import { Field, ObjectType } from 'type-graphql';

/** One tax of a check as the guest sees it (the seed's Tax and Hidden Tax). */
@ObjectType('CheckTax', { description: 'One tax of a check and what it comes to' })
export class CheckTaxAmount {
  @Field({ description: 'The tax’s name, as applied with applyCheckTax' })
  name!: string;

  @Field(() => Money, { description: 'What the tax comes to on this check' })
  amount!: Money;
}

/** An additional fee (service fee, surcharge) on a check. */
@ObjectType({ description: 'An additional fee (service fee, surcharge) on a check and what it comes to' })
export class SupplementalFee {
  @Field({ description: 'The fee’s name as the guest reads it on the bill' })
  name!: string;

  @Field(() => Money, { description: 'What the fee comes to on this check' })
  amount!: Money;
}
