import { type PaymentEventTypeName, UserError, type UserErrorsPayload } from '@pos/kit';
import { Field, Int, ObjectType } from 'type-graphql';
import { PaymentEventType } from '../payment-event/payment-event.enums';
import { Refund } from '../refund/refund.entity';
import { Payment } from './payment.entity';

const REPLAYED = 'True when this is the stored result of an earlier request with the same idempotency key';

@ObjectType({
  description:
    'The result of createPayment: the payment, or the user errors that refused it. A declined card is both: the ' +
    'DECLINED payment and a PAYMENT_DECLINED user error',
})
export class CreatePaymentPayload implements UserErrorsPayload {
  @Field(() => [UserError], {
    description:
      'Why the payment was refused or declined (PAYMENT_DECLINED, AMOUNT_EXCEEDS_DUE, CURRENCY_MISMATCH, ' +
      'VALIDATION, ...); empty when it was approved',
  })
  userErrors!: UserError[];

  @Field(() => Payment, {
    nullable: true,
    description:
      'The payment taken (APPROVED), or declined (DECLINED, with `failureCode`: its id is what to show or quote); ' +
      'null when the input was refused',
  })
  payment?: Payment | null;

  @Field({ description: REPLAYED })
  idempotentReplay!: boolean;
}

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

@ObjectType({
  description:
    'The result of sandboxProcessorOutcome: the payment and the event written, or the user errors that refused it',
})
export class SandboxProcessorOutcomePayload implements UserErrorsPayload {
  @Field(() => [UserError], {
    description:
      'Why the outcome was refused (INVALID_STATE_TRANSITION: the payment’s state does not allow it; VALIDATION); ' +
      'empty when it was applied',
  })
  userErrors!: UserError[];

  @Field(() => Payment, { nullable: true, description: 'The payment after the outcome; null when refused' })
  payment?: Payment | null;

  @Field(() => PaymentEventType, {
    nullable: true,
    description: 'The event the outcome wrote to the outbox, e.g. PAYMENT_REVERSAL_SETTLED; null when refused',
  })
  eventType?: PaymentEventTypeName | null;
}

@ObjectType({ description: 'The result of closeBatch: how many payments settled, or the user errors that refused it' })
export class CloseBatchPayload implements UserErrorsPayload {
  @Field(() => [UserError], {
    description: 'Why the close was refused (VALIDATION, IDEMPOTENCY_KEY_REUSED, ...); empty when the batch closed',
  })
  userErrors!: UserError[];

  @Field(() => Int, {
    nullable: true,
    description: 'How many payments were settled (0: none was open); null when refused',
  })
  settledCount?: number | null;

  @Field({ description: REPLAYED })
  idempotentReplay!: boolean;
}
