import { Money } from '@pos/kit/src/currency';
import { Field, ObjectType } from 'type-graphql';

/** One tax of a check as the guest sees it (the seed's Tax and Hidden Tax). */
@ObjectType('CheckTax')
export class CheckTaxAmount {
  @Field()
  name!: string;

  @Field(() => Money, { description: 'What the tax comes to on this check' })
  amount!: Money;
}

/** An additional fee (service fee, surcharge) on a check. */
@ObjectType()
export class SupplementalFee {
  @Field()
  name!: string;

  @Field(() => Money, { description: 'What the fee comes to on this check' })
  amount!: Money;
}
