import { Field, Int, ObjectType } from 'type-graphql';

/** One tax of a check as the guest sees it (the seed's Tax and Hidden Tax). */
@ObjectType('CheckTax')
export class CheckTaxAmount {
  @Field()
  name!: string;

  @Field(() => Int, { description: 'In cents' })
  amount!: number;
}

/** An additional fee (service fee, surcharge) on a check. */
@ObjectType()
export class SupplementalFee {
  @Field()
  name!: string;

  @Field(() => Int, { description: 'In cents' })
  amount!: number;
}
