import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import type { Payment } from '../payment/payment.entity';

/**
 * The transactional outbox: one row per payment event, written in the same transaction as the payment change.
 * `seq` orders the events and is the resume cursor of subscriptions (and, later, of webhook delivery).
 */
@ObjectType()
@Entity({ tableName: 'payment_event' })
@Index({ properties: ['tenantId', 'seq'] })
export class PaymentEvent {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  seq!: string;

  @Property({ length: 64 })
  tenantId!: string;

  @Field({ description: 'Event type, e.g. payment.approved' })
  @Property({ length: 64 })
  type!: string;

  @Property({ type: 'uuid' })
  paymentId!: string;

  @Field()
  @Property({ type: 'timestamptz' })
  occurredAt: Date = new Date();

  /** Not a column: loaded with the event by the event hub, so every subscriber of one event shares one read. */
  payment?: Payment;
}
