import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { CREATED_AT_ORDER_VALUES, Connection } from '@pos/kit';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CurrencyCode } from '@pos/kit/currency';
import { Location } from '../location/location.entity';
import { CHECKOUT_URL_MAX_LENGTH } from './order.checkout';
import { Level3Data } from './order.type';

/**
 * An order's own lifecycle. It has one state today: no operation closes or cancels an order, and whether it is paid
 * is the payments subgraph's answer (`Order.paymentStatus`), from its ledger, not a copy kept here. A state joins
 * this enum with the operation that sets it.
 */
export enum OrderStatus {
  OPEN = 'OPEN',
}
registerEnumType(OrderStatus, {
  name: 'OrderStatus',
  description: 'The order’s lifecycle; whether it is paid is `paymentStatus`',
  valuesConfig: {
    OPEN: { description: 'The order exists and takes payments up to its total; every order is open' },
  },
});

/** An order placed at a location. Amounts are integer minor units (cents) in the order's currency. */
@Directive('@key(fields: "id")')
@ObjectType({
  description:
    'An order placed at a location: what the customer owes (total) and, from the payments subgraph, what was paid',
})
@Entity({ tableName: 'order' })
@Unique({ properties: ['tenantId', 'externalSource', 'externalId'] })
// The keysets of the order lists: a location's (Location.orders) and the caller's (Query.orders).
@Index({ properties: ['locationId', 'createdAt', 'id'] })
@Index({ properties: ['tenantId', 'createdAt', 'id'] })
export class Order {
  @Field(() => ID, { description: 'The order’s id (a UUID); what `orderId` arguments take' })
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ length: 64 })
  tenantId!: string;

  @ManyToOne(() => Location, { mapToPk: true, fieldName: 'location_id' })
  locationId!: number;

  @Field({ description: 'Human-readable order number shown to staff and guests' })
  @Property({ length: 32 })
  number!: string;

  @Field(() => OrderStatus, { description: 'The order’s lifecycle (always OPEN); see paymentStatus for payment' })
  @Property({ type: 'string', length: 16 })
  status: OrderStatus = OrderStatus.OPEN;

  @Field(() => CurrencyCode, { description: 'The currency of every amount of the order (ISO 4217)' })
  @Property({ length: 3 })
  currency!: string;

  /** The order total in minor units of `currency`; the graph shows it as `total` (Money). */
  @Property({ type: 'integer' })
  totalCents!: number;

  @Field(() => String, { nullable: true, description: 'PO or invoice number; Level 3 customer_reference' })
  @Property({ length: 128, nullable: true })
  externalReference: string | null = null;

  @Field(() => String, { nullable: true, description: 'The system the order comes from' })
  @Property({ length: 64, nullable: true })
  externalSource: string | null = null;

  @Field(() => String, { nullable: true, description: 'The order’s id in externalSource (unique per partner)' })
  @Property({ length: 128, nullable: true })
  externalId: string | null = null;

  /** The graph shows it as `level3`, its lines with the order's currency (OrderResolver). */
  @Property({ type: 'json', nullable: true })
  level3: Level3Data | null = null;

  @Field(() => String, {
    nullable: true,
    description: 'Where the hosted checkout sends the customer after paying (absolute https URL)',
  })
  @Property({ length: CHECKOUT_URL_MAX_LENGTH, nullable: true })
  returnUrl: string | null = null;

  @Field(() => String, {
    nullable: true,
    description: 'Where the hosted checkout sends the customer who cancels (absolute https URL)',
  })
  @Property({ length: CHECKOUT_URL_MAX_LENGTH, nullable: true })
  cancelUrl: string | null = null;

  /**
   * The order's hosted checkout session (see order.checkout.ts), opened with the order when it has a returnUrl and
   * something to pay; null otherwise. Its id is the jti of the signed link the gateway mints.
   */
  @Property({ type: 'uuid', nullable: true, unique: true })
  checkoutId: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  checkoutExpiresAt: Date | null = null;

  /** Set once, when a payment through the link was approved: the link is single-use. */
  @Property({ type: 'timestamptz', nullable: true })
  checkoutPaidAt: Date | null = null;

  @Property({ type: 'uuid', nullable: true })
  checkoutPaymentId: string | null = null;

  @Field(() => String, { nullable: true, description: 'The M2M client that opened the order; null for POS users' })
  @Property({ length: 128, nullable: true })
  openedByM2mClientId: string | null = null;

  @Field(() => String, { nullable: true, description: 'The POS user who opened the order; null for M2M clients' })
  @Property({ length: 64, nullable: true })
  openedByUserId: string | null = null;

  @Field(() => Int, { description: 'Starts at 1 and grows by one on every change of the order' })
  @Property({ version: true })
  version!: number;

  @Field({ description: 'When the order was created' })
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Field({ description: 'When the order last changed' })
  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/** The orders of a list by creation time. */
export enum OrderOrder {
  CREATED_AT_ASC = 'CREATED_AT_ASC',
  CREATED_AT_DESC = 'CREATED_AT_DESC',
}
registerEnumType(OrderOrder, {
  name: 'OrderOrder',
  description: 'The order of a list of orders',
  valuesConfig: CREATED_AT_ORDER_VALUES,
});

@ObjectType({ description: 'A page of orders' })
export class OrderConnection extends Connection(Order, 'orders') {}
