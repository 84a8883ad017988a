import { Field, ID, InputType, Int } from 'type-graphql';
import { CardType } from '../payment/payment-card.entity';
import type { CardTypeCode } from '@pos/kit';

@InputType({ description: 'The card of a sale a mobile provider ran (as the mobile payments API sends it)' })
export class CheckCardInput {
  @Field(() => CardType, { description: 'The card brand, as the provider’s terminal read it' })
  type!: CardTypeCode;

  @Field({ description: 'Last four digits of the card number' })
  last4Digits!: string;

  @Field({ description: 'MMYY, e.g. 0126 for January 2026; the card must not have expired' })
  expirationDate!: string;

  @Field(() => String, { nullable: true, description: 'The cardholder’s name as on the card; null when not read' })
  holderName?: string | null;

  @Field({ description: 'The processor’s token for the card (stored encrypted, never shown)' })
  token!: string;
}

@InputType({ description: 'What the processor answered the provider’s sale with' })
export class ProcessorTransactionInput {
  @Field()
  authorizationCode!: string;

  @Field({ description: 'The processor’s invoice or transaction id; one registration per transaction' })
  invoice!: string;
}

@InputType()
export class PayCheckInput {
  @Field(() => ID)
  locationId!: string;

  @Field({ description: 'The check’s identifier within its location' })
  posRef!: string;

  @Field(() => Int, { description: 'Amount in cents; at most what the check still owes' })
  amountCents!: number;

  @Field(() => Int, { defaultValue: 0, description: 'Tip in cents, on top of the amount' })
  tipCents!: number;

  @Field(() => String, { nullable: true, description: 'The processor’s universal token (stored encrypted)' })
  universalToken?: string | null;

  @Field(() => CheckCardInput)
  card!: CheckCardInput;

  @Field(() => ProcessorTransactionInput)
  transaction!: ProcessorTransactionInput;
}
