import { Field, Int, ObjectType } from 'type-graphql';
import { Payment } from '../payment/payment.entity';

@ObjectType({ description: 'The result of payCheck' })
export class PayCheckPayload {
  @Field(() => Payment)
  payment!: Payment;

  @Field(() => Int, { description: 'What the check still owes after this payment, in cents' })
  remainingAmountCents!: number;

  @Field({ description: 'True when this registration was already recorded (same Idempotency-Key or same invoice)' })
  idempotentReplay!: boolean;
}
