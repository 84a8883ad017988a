import { Field, ID, InputType, Int } from 'type-graphql';

@InputType()
export class CreatePaymentInput {
  @Field(() => ID)
  orderId!: string;

  @Field(() => Int, { description: 'Amount in minor units (cents)' })
  amountCents!: number;

  @Field({ description: 'ISO 4217 currency code' })
  currency!: string;
}
