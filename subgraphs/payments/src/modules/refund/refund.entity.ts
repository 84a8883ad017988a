import { randomUUID } from 'node:crypto';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { Connection } from '@pos/kit';
import { CurrencyCode } from '@pos/kit/currency';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum RefundStatus {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}
registerEnumType(RefundStatus, {
  name: 'RefundStatus',
  description: 'Where a refund stands with the processor',
  valuesConfig: {
    PENDING: {
      description: 'Sent to the processor, no answer yet; its amount already counts against what is refundable',
    },
    SUCCEEDED: { description: 'The processor returned the money' },
    FAILED: { description: 'The processor refused it (`failureCode` says why); the amount is refundable again' },
  },
});

/** Money returned on a payment. Pending refunds already count against what is refundable. */
@ObjectType({ description: 'Money returned on a payment: one of its refunds, partial or whole' })
@Entity({ tableName: 'refund' })
// The keyset of Payment.refunds.
@Index({ properties: ['paymentId', 'createdAt', 'id'] })
export class Refund {
  @Field(() => ID, { description: 'The refund’s id' })
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ length: 64 })
  tenantId!: string;

  @Field(() => ID, { description: 'The refunded payment’s id', deprecationReason: 'Use payment { id }' })
  @Property({ type: 'uuid' })
  paymentId!: string;

  @Field(() => RefundStatus, { description: 'Where the refund stands with the processor' })
  @Property({ type: 'string', length: 16 })
  status: RefundStatus = RefundStatus.PENDING;

  @Field(() => Int, {
    description: 'Amount in minor units of `currency`',
    deprecationReason: 'Read amount { amountMinor currency }.',
  })
  @Property({ type: 'integer' })
  amountCents!: number;

  @Field(() => CurrencyCode, { description: 'The currency of the refund: its payment’s' })
  @Property({ length: 3 })
  currency!: string;

  @Field(() => String, { nullable: true, description: 'Why the money was returned, as given to refundPayment' })
  @Property({ length: 255, nullable: true })
  reason: string | null = null;

  @Field(() => String, { nullable: true, description: 'The processor’s id of the refund; null until it answered' })
  @Property({ length: 128, nullable: true })
  processorReference: string | null = null;

  @Field(() => String, { nullable: true, description: 'Why the processor refused the refund (FAILED only)' })
  @Property({ length: 64, nullable: true })
  failureCode: string | null = null;

  @Field({ description: 'When the refund was asked for' })
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Field({ description: 'When the refund last changed (its outcome recorded)' })
  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}

@ObjectType({ description: 'A page of a payment’s refunds, oldest first' })
export class RefundConnection extends Connection(Refund, 'refunds') {}
