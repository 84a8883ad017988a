import { randomUUID } from 'node:crypto';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import type { Payment } from '../payment/payment.entity';

/** The version of {@link PaymentEvent.payload}'s shape; a change to the shape gets a new number. */
export const PAYMENT_EVENT_PAYLOAD_VERSION = 1;

/** What a payment event carries about its payment, as it was when the event was written (payload version 1). */
export interface PaymentEventPayloadV1 {
  paymentId: string;
  status: string;
  amountCents: number;
  refundedCents: number;
  tipCents: number;
  currency: string;
  orderId: string | null;
  checkId: string | null;
  processor: string;
  processorReference: string | null;
  /**
   * The refund that made a `payment.refunded` event, with its own amount (absent on other events, and on refund
   * events written before refunds were recorded here). Optional, so the shape keeps its version.
   */
  refund?: { id: string; amountCents: number } | null;
}

/**
 * The transactional outbox: one row per payment event, written in the same transaction as the payment change.
 * `seq` orders each partner's events (in the order they commit; not across partners) and is the resume cursor of
 * subscriptions, read per partner; `eventId` is the event's stable identity, the one receivers deduplicate by. The payload is a snapshot taken in that transaction,
 * so a late reader sees the payment as the event saw it, not as it is now.
 */
@ObjectType({ description: 'Something that happened to a payment, in the order it committed' })
@Entity({ tableName: 'payment_event' })
@Index({ properties: ['tenantId', 'seq'] })
@Index({ properties: ['tenantId', 'occurredAt'] })
export class PaymentEvent {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  seq!: string;

  @Property({ type: 'uuid', unique: true })
  eventId: string = randomUUID();

  @Property({ length: 64 })
  tenantId!: string;

  /** The dotted spelling (`payment.approved`); the graph shows it as a PaymentEventType. */
  @Property({ length: 64 })
  type!: string;

  @Property({ type: 'uuid' })
  paymentId!: string;

  /** The payment's version this event moved it to. */
  @Property({ type: 'integer' })
  paymentVersion!: number;

  @Property({ type: 'integer', nullable: true })
  locationId: number | null = null;

  @Property({ type: 'integer' })
  payloadVersion: number = PAYMENT_EVENT_PAYLOAD_VERSION;

  @Property({ type: 'json' })
  payload!: PaymentEventPayloadV1;

  @Field({ description: 'When the change the event records was committed' })
  @Property({ type: 'timestamptz' })
  occurredAt: Date = new Date();

  /** Not a column: loaded with the event by the event hub, so every subscriber of one event shares one read. */
  payment?: Payment;
}

/**
 * One row per partner with events: the partner's own number, which keys the advisory lock that orders that
 * partner's outbox writers (recordPaymentEvent holds it until commit) and nobody else's.
 */
@Entity({ tableName: 'partner_event_head' })
export class PartnerEventHead {
  @PrimaryKey({ length: 64 })
  tenantId!: string;

  @Property({ type: 'integer', autoincrement: true, unique: true })
  lockKey!: number;
}

/**
 * How far the NATS relay has published each partner's events (EVENTS_BROKER=nats): the seq of the last one the
 * stream acknowledged. Starts at each partner's newest event when the table is made, so the relay publishes what
 * commits from then on.
 */
@Entity({ tableName: 'event_relay_position' })
export class EventRelayPosition {
  @PrimaryKey({ length: 64 })
  tenantId!: string;

  @Property({ type: 'bigint' })
  seq!: string;
}

export const paymentEventPayload = (
  payment: Payment,
  refund?: { id: string; amountCents: number },
): PaymentEventPayloadV1 => ({
  paymentId: payment.id,
  status: payment.status,
  amountCents: payment.amountCents,
  refundedCents: payment.refundedCents,
  tipCents: payment.tipCents,
  currency: payment.currency,
  orderId: payment.orderId,
  checkId: payment.checkId,
  processor: payment.processor,
  processorReference: payment.processorReference,
  ...(refund ? { refund: { id: refund.id, amountCents: refund.amountCents } } : {}),
});
