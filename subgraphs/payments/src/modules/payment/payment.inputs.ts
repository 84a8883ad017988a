import { Field, ID, InputType, Int } from 'type-graphql';
import { EntryMode } from './payment.entity';

@InputType()
export class CreatePaymentInput {
  @Field(() => ID)
  orderId!: string;

  @Field(() => Int, { description: 'Amount in minor units (cents); at most what the order still owes' })
  amountCents!: number;

  @Field({ description: 'ISO 4217 currency code; must be the order’s' })
  currency!: string;

  @Field(() => EntryMode, { defaultValue: EntryMode.CARD_PRESENT })
  entryMode!: EntryMode;

  @Field({ description: 'The card as a processor token (never a card number)' })
  cardToken!: string;
}

@InputType()
export class RefundPaymentInput {
  @Field(() => ID)
  paymentId!: string;

  @Field(() => ID, { nullable: true, description: 'When given, the payment must belong to this order' })
  orderId?: string | null;

  @Field(() => Int, { nullable: true, description: 'Minor units (cents); default: everything still refundable' })
  amountCents?: number | null;

  @Field(() => String, { nullable: true, description: 'At most 255 characters' })
  reason?: string | null;
}
