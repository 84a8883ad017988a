import { ConnectionArgs, CreatedAtRange, IDEMPOTENCY_KEY_ARG } from '@pos/kit';
import { ArgsType, Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { EntryMode, PaymentOrder, PaymentStatus } from './payment.entity';
import { ProcessorOutcome } from './payment.state';

registerEnumType(ProcessorOutcome, {
  name: 'ProcessorOutcome',
  description: 'What a processor reports about a payment later, on its own time',
  valuesConfig: {
    AUTHORIZATION_EXPIRED: {
      description:
        'The authorisation lapsed uncaptured: a pending, or approved but unsettled and unrefunded, payment becomes EXPIRED (payment.expired)',
    },
    REVERSAL_SETTLED: {
      description: 'The pending reversal went through: the payment becomes REVERSED (payment.reversal_settled)',
    },
    REVERSAL_FAILED: {
      description:
        'The processor refused the pending reversal: the payment keeps its status, failureCode says why (payment.reversal_failed)',
    },
  },
});

@InputType({ description: 'A card payment on one of the caller’s orders' })
export class CreatePaymentInput {
  @Field(() => ID, { description: 'The order to pay (at one of the caller’s locations)' })
  orderId!: string;

  @Field(() => Int, {
    description:
      'Integer minor units of `currency` (none for JPY: see docs/graphql/money.md), at least 1 and at most what ' +
      'the order still owes (`Order.amountDue`)',
  })
  amountMinor!: number;

  @Field({ description: 'ISO 4217 currency code; must be the order’s' })
  currency!: string;

  @Field(() => EntryMode, {
    defaultValue: EntryMode.CARD_PRESENT,
    description:
      'Whether the card is at the terminal (default) or keyed in remotely (a hosted checkout, a phone order)',
  })
  entryMode!: EntryMode;

  @Field({ description: 'The card as a processor token (never a card number), at most 128 characters' })
  cardToken!: string;

  @Field(() => Date, {
    nullable: true,
    description:
      'The end of the checkout this payment is made in (the hosted checkout sets it to its link’s expiry): if the ' +
      'payment is still waiting for the processor then, it expires (payment.expired). In the future, at most 24 hours ahead',
  })
  expiresAt?: Date | null;

  @Field(() => String, IDEMPOTENCY_KEY_ARG)
  idempotencyKey?: string | null;
}

@InputType({ description: 'A refund of part or all of one of the caller’s payments' })
export class RefundPaymentInput {
  @Field(() => ID, { description: 'The payment to refund (approved or partly refunded)' })
  paymentId!: string;

  @Field(() => ID, { nullable: true, description: 'When given, the payment must belong to this order' })
  orderId?: string | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'Integer minor units of the payment’s currency (none for JPY: see docs/graphql/money.md), at least 1; ' +
      'default: everything still refundable',
  })
  amountMinor?: number | null;

  @Field(() => String, { nullable: true, description: 'Why the money is returned, at most 255 characters' })
  reason?: string | null;

  @Field(() => String, IDEMPOTENCY_KEY_ARG)
  idempotencyKey?: string | null;
}

/** The payment a void or a reversal acts on. */
@InputType()
abstract class PaymentActionInput {
  @Field(() => ID, { description: 'The payment: one of the caller’s' })
  paymentId!: string;

  @Field(() => ID, { nullable: true, description: 'When given, the payment must belong to this order' })
  orderId?: string | null;

  @Field(() => String, IDEMPOTENCY_KEY_ARG)
  idempotencyKey?: string | null;
}

@InputType({ description: 'An approved payment to void before its batch closes' })
export class VoidPaymentInput extends PaymentActionInput {}

@InputType({ description: 'An approved or partly refunded payment whose reversal to ask the processor for' })
export class ReversePaymentInput extends PaymentActionInput {}

@InputType({ description: 'A processor outcome to apply to one of the caller’s payments (sandbox only)' })
export class SandboxProcessorOutcomeInput {
  @Field(() => ID, { description: 'The payment: one of the caller’s' })
  paymentId!: string;

  @Field(() => ProcessorOutcome, { description: 'What the processor reports' })
  outcome!: ProcessorOutcome;

  @Field(() => String, {
    nullable: true,
    description:
      'REVERSAL_FAILED only: the processor’s failure code (a-z, 0-9, _; at most 64), kept as failureCode; default reversal_failed',
  })
  reason?: string | null;
}

@InputType({ description: 'A location whose batch to close' })
export class CloseBatchInput {
  @Field(() => ID, { description: 'The location: one of the caller’s' })
  locationId!: string;

  @Field(() => String, IDEMPOTENCY_KEY_ARG)
  idempotencyKey?: string | null;
}

@InputType({ description: 'Which of an order’s, a check’s or a location’s payments to list; every one when absent' })
export class PaymentListFilter extends CreatedAtRange {
  @Field(() => [PaymentStatus], { nullable: true, description: 'Only payments in one of these states' })
  status?: PaymentStatus[] | null;
}

@InputType({ description: 'Which of the caller’s payments to list; every one when absent' })
export class PaymentFilter extends PaymentListFilter {
  @Field(() => [ID], { nullable: true, description: 'Only payments taken at one of these locations' })
  locationIds?: string[] | null;
}

/** The arguments of an order’s, a check’s and a location’s payments. */
@ArgsType()
export class PaymentListArgs extends ConnectionArgs {
  @Field(() => PaymentListFilter, { nullable: true, description: 'Which payments: by status and creation time' })
  filter?: PaymentListFilter | null;

  @Field(() => PaymentOrder, { nullable: true, description: 'The order of the list; CREATED_AT_ASC by default' })
  orderBy?: PaymentOrder | null;
}

/** The arguments of Query.payments. */
@ArgsType()
export class PaymentArgs extends ConnectionArgs {
  @Field(() => PaymentFilter, {
    nullable: true,
    description: 'Which payments: by status, creation time and location',
  })
  filter?: PaymentFilter | null;

  @Field(() => PaymentOrder, { nullable: true, description: 'The order of the list; CREATED_AT_DESC by default' })
  orderBy?: PaymentOrder | null;
}
