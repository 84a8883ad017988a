import { UserError, type UserErrorsPayload } from '@pos/kit';
import { Money } from '@pos/kit/currency';
import { Field, Int, ObjectType } from 'type-graphql';
import { Payment } from '../payment/payment.entity';

@ObjectType({
  description: 'The result of payCheck: the payment registered and what the check still owes, or the user errors',
})
export class PayCheckPayload implements UserErrorsPayload {
  @Field(() => [UserError], {
    description:
      'Why the sale was refused (AMOUNT_EXCEEDS_DUE, CHECK_LOCKED, CHECK_NOT_OPEN, INVOICE_ALREADY_REGISTERED, ' +
      'VALIDATION, ...); empty when it is registered',
  })
  userErrors!: UserError[];

  @Field(() => Payment, {
    nullable: true,
    description: 'The payment registered, APPROVED (on a replay: the one registered the first time)',
  })
  payment?: Payment | null;

  @Field(() => Money, {
    nullable: true,
    description: 'What the check still owes after this payment (for a check of an order, at most what the order owes)',
  })
  remainingAmount?: Money | null;

  @Field(() => Int, {
    nullable: true,
    description: 'What the check still owes after this payment, in minor units',
    deprecationReason: 'Read remainingAmount { amountMinor currency }.',
  })
  remainingAmountCents?: number | null;

  @Field({
    description: 'True when this registration was already recorded (same idempotency key, or same invoice)',
  })
  idempotentReplay!: boolean;
}
