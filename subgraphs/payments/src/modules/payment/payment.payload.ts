import type { PaymentEventTypeName } from '@pos/kit';
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

@ObjectType({ description: 'The result of refundPayment' })
export class RefundPayload {
  @Field(() => Refund)
  refund!: Refund;

  @Field(() => Payment)
  payment!: Payment;

  @Field({ description: 'True when this is the stored result of an earlier request with the same idempotency key' })
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
