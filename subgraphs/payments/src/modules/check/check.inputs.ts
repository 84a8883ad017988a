import { Field, ID, InputType, Int } from 'type-graphql';
import { CardType } from '../payment/payment-card.entity';
import { type CardTypeCode, IDEMPOTENCY_KEY_ARG } from '@pos/kit';

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
  @Field({ description: 'The authorization code the processor gave the sale' })
  authorizationCode!: string;

  @Field({ description: 'The processor’s invoice or transaction id; one registration per transaction' })
  invoice!: string;
}

@InputType({ description: 'A sale a mobile provider ran on a check, to register against what the check owes' })
export class PayCheckInput {
  @Field(() => ID, { description: 'The location of the check: one of the caller’s' })
  locationId!: string;

  @Field({ description: 'The check’s identifier within its location' })
  posRef!: string;

  @Field(() => Int, {
    description:
      'Integer minor units of the check’s currency, at least 1 and at most what the check still owes ' +
      '(AMOUNT_EXCEEDS_DUE otherwise)',
  })
  amountMinor!: number;

  @Field(() => Int, {
    defaultValue: 0,
    description: 'The tip, in integer minor units of the check’s currency, on top of the amount',
  })
  tipMinor!: number;

  @Field(() => String, { nullable: true, description: 'The processor’s universal token (stored encrypted)' })
  universalToken?: string | null;

  @Field(() => CheckCardInput, { description: 'The card the provider charged' })
  card!: CheckCardInput;

  @Field(() => ProcessorTransactionInput, {
    description: 'The processor’s answer: registering the same transaction again answers the first payment',
  })
  transaction!: ProcessorTransactionInput;

  @Field(() => String, IDEMPOTENCY_KEY_ARG)
  idempotencyKey?: string | null;
}
