import { randomUUID } from 'node:crypto';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { Connection } from '@pos/kit';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum RefundStatus {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}
registerEnumType(RefundStatus, { name: 'RefundStatus' });

/** Money returned on a payment. Pending refunds already count against what is refundable. */
@ObjectType()
@Entity({ tableName: 'refund' })
// The keyset of Payment.refunds.
@Index({ properties: ['paymentId', 'createdAt', 'id'] })
export class Refund {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ length: 64 })
  tenantId!: string;

  @Field(() => ID, { description: 'The refunded payment’s id', deprecationReason: 'Use payment { id }' })
  @Property({ type: 'uuid' })
  paymentId!: string;

  @Field(() => RefundStatus)
  @Property({ type: 'string', length: 16 })
  status: RefundStatus = RefundStatus.PENDING;

  @Field(() => Int, {
    description: 'Amount in minor units of `currency`',
    deprecationReason: 'Read amount { amountMinor currency }.',
  })
  @Property({ type: 'integer' })
  amountCents!: number;

  @Field()
  @Property({ length: 3 })
  currency!: string;

  @Field(() => String, { nullable: true })
  @Property({ length: 255, nullable: true })
  reason: string | null = null;

  @Field(() => String, { nullable: true })
  @Property({ length: 128, nullable: true })
  processorReference: string | null = null;

  @Field(() => String, { nullable: true })
  @Property({ length: 64, nullable: true })
  failureCode: string | null = null;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Field()
  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}

@ObjectType({ description: 'A page of a payment’s refunds, oldest first' })
export class RefundConnection extends Connection(Refund, 'refunds') {}
