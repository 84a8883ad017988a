import { Field, ID, InputType, Int } from 'type-graphql';

@InputType()
export class CreateOrderInput {
  @Field(() => ID)
  locationId!: string;

  @Field({ description: 'ISO 4217 currency code, e.g. USD' })
  currency!: string;

  @Field(() => Int, { description: 'Order total in minor units (cents)' })
  totalCents!: number;

  @Field(() => String, { nullable: true })
  externalReference?: string | null;
}
