import { type PaymentEventTypeName, UserError, type UserErrorsPayload } from '@pos/kit';
import { Field, Int, ObjectType } from 'type-graphql';
import { PaymentEventType } from '../payment-event/payment-event.enums';
import { Refund } from '../refund/refund.entity';
import { Payment } from './payment.entity';

@ObjectType({ description: 'The result of a mutation that creates or moves a payment' })
export class PaymentPayload {
  @Field(() => Payment)
  payment!: Payment;

  @Field({ description: 'True when this is the stored result of an earlier request with the same idempotency key' })
  idempotentReplay!: boolean;
}

const REPLAYED = 'True when this is the stored result of an earlier request with the same idempotency key';

@ObjectType({ description: 'The result of voidPayment: the voided payment, or the user errors that refused it' })
export class VoidPaymentPayload implements UserErrorsPayload {
  @Field(() => [UserError], {
    description:
      'Why the void was refused (PAYMENT_SETTLED, PAYMENT_HAS_REFUNDS, INVALID_STATE_TRANSITION, ...); empty when ' +
      'the payment is voided',
  })
  userErrors!: UserError[];

  @Field(() => Payment, { nullable: true, description: 'The payment, now VOIDED; null when refused' })
  payment?: Payment | null;

  @Field({ description: REPLAYED })
  idempotentReplay!: boolean;
}

@ObjectType({
  description:
    'The result of reversePayment: the payment with its reversal requested, or the user errors that refused it',
})
export class ReversePaymentPayload implements UserErrorsPayload {
  @Field(() => [UserError], {
    description:
      'Why the reversal was refused (REVERSAL_PENDING, PAYMENT_BUSY, INVALID_STATE_TRANSITION, ...); empty when it ' +
      'was sent to the processor',
  })
  userErrors!: UserError[];

  @Field(() => Payment, {
    nullable: true,
    description:
      'The payment with reversalRequestedAt set (its status changes when the outcome arrives); null when refused',
  })
  payment?: Payment | null;

  @Field({ description: REPLAYED })
  idempotentReplay!: boolean;
}

@ObjectType({
  description: 'The result of refundPayment: the refund and its payment, or the user errors that refused it',
})
export class RefundPaymentPayload implements UserErrorsPayload {
  @Field(() => [UserError], {
    description:
      'Why the refund was refused (REFUND_EXCEEDS_REFUNDABLE, PAYMENT_NOT_REFUNDABLE, VALIDATION, ...); empty when ' +
      'the refund was made',
  })
  userErrors!: UserError[];

  @Field(() => Refund, { nullable: true, description: 'The refund made (SUCCEEDED); null when refused' })
  refund?: Refund | null;

  @Field(() => Payment, {
    nullable: true,
    description: 'The refunded payment, its refunded and refundable amounts updated; null when refused',
  })
  payment?: Payment | null;

  @Field({ description: REPLAYED })
  idempotentReplay!: boolean;
}

@ObjectType({ description: 'The result of sandboxProcessorOutcome' })
export class ProcessorOutcomePayload {
  @Field(() => Payment)
  payment!: Payment;

  @Field(() => PaymentEventType, {
    description: 'The event the outcome wrote to the outbox, e.g. PAYMENT_REVERSAL_SETTLED',
  })
  eventType!: PaymentEventTypeName;
}

@ObjectType({ description: 'The result of closeBatch' })
export class CloseBatchPayload {
  @Field(() => Int, { description: 'How many payments were settled' })
  settledCount!: number;
}
