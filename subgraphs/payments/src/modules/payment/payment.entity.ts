import { randomUUID } from 'node:crypto';
import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum PaymentStatus {
  PENDING = 'PENDING',
  APPROVED = 'APPROVED',
  DECLINED = 'DECLINED',
}
registerEnumType(PaymentStatus, { name: 'PaymentStatus' });

/** A payment towards an order or a check. Amounts are integer minor units in the payment's currency. */
@Directive('@key(fields: "id")')
@ObjectType()
@Entity({ tableName: 'payment' })
export class Payment {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ length: 64, index: true })
  tenantId!: string;

  @Property({ type: 'uuid', nullable: true, index: true })
  orderId: string | null = null;

  @Property({ type: 'uuid', nullable: true, index: true })
  checkId: string | null = null;

  @Field(() => PaymentStatus)
  @Property({ type: 'string', length: 16 })
  status: PaymentStatus = PaymentStatus.PENDING;

  @Field(() => Int, { description: 'Amount in minor units (cents)' })
  @Property({ type: 'integer' })
  amountCents!: number;

  @Field({ description: 'ISO 4217 currency code' })
  @Property({ length: 3 })
  currency!: string;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
