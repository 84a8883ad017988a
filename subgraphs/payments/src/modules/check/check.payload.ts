import { Money } from '@pos/kit/src/currency';
import { Field, Int, ObjectType } from 'type-graphql';
import { Payment } from '../payment/payment.entity';

@ObjectType({ description: 'The result of payCheck' })
export class PayCheckPayload {
  @Field(() => Payment)
  payment!: Payment;

  @Field(() => Money, {
    description: 'What the check still owes after this payment (for a check of an order, at most what the order owes)',
  })
  remainingAmount!: Money;

  @Field(() => Int, {
    description: 'What the check still owes after this payment, in minor units',
    deprecationReason: 'Read remainingAmount { amountMinor currency }.',
  })
  remainingAmountCents!: number;

  @Field({ description: 'True when this registration was already recorded (same Idempotency-Key or same invoice)' })
  idempotentReplay!: boolean;
}
