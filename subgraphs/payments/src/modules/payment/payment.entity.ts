import { randomUUID } from 'node:crypto';
import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { CREATED_AT_ORDER_VALUES, Connection } from '@pos/kit';
import { CurrencyCode } from '@pos/kit/currency';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

/** Every state a payment can be in; {@link PAYMENT_TRANSITIONS} says which moves are allowed. */
export enum PaymentStatus {
  PENDING = 'PENDING',
  APPROVED = 'APPROVED',
  DECLINED = 'DECLINED',
  VOIDED = 'VOIDED',
  PARTIALLY_REFUNDED = 'PARTIALLY_REFUNDED',
  REFUNDED = 'REFUNDED',
  CANCELLED = 'CANCELLED',
  EXPIRED = 'EXPIRED',
  REVERSED = 'REVERSED',
}
registerEnumType(PaymentStatus, {
  name: 'PaymentStatus',
  description: 'Where a payment stands; which moves are allowed is the payment state machine’s (docs/graphql)',
  valuesConfig: {
    PENDING: { description: 'Recorded, waiting for the processor' },
    APPROVED: { description: 'Authorised by the processor; voidable until settled, refundable' },
    DECLINED: { description: 'Refused by the processor' },
    VOIDED: { description: 'Cancelled before settlement' },
    PARTIALLY_REFUNDED: { description: 'Part of the amount was refunded' },
    REFUNDED: { description: 'The whole amount was refunded' },
    CANCELLED: { description: 'Abandoned before the processor answered (e.g. the processor was unavailable)' },
    EXPIRED: { description: 'The authorisation (or a pending checkout) lapsed' },
    REVERSED: { description: 'Reversed by the processor after settlement' },
  },
});

/** The processor of a sale a mobile provider ran and registered on a check: its own, which we do not know by name. */
export const EXTERNAL_PROCESSOR = 'external';

export enum EntryMode {
  CARD_PRESENT = 'CARD_PRESENT',
  CARD_NOT_PRESENT = 'CARD_NOT_PRESENT',
}
registerEnumType(EntryMode, {
  name: 'EntryMode',
  description: 'How the card was presented, which the processor prices and checks differently',
  valuesConfig: {
    CARD_PRESENT: { description: 'The card was at the terminal (tapped, dipped or swiped)' },
    CARD_NOT_PRESENT: { description: 'The card was keyed in remotely: a hosted checkout, a phone or web order' },
  },
});

/** A payment towards an order or a check. Amounts are integer minor units in the payment's currency. */
@Directive('@key(fields: "id")')
@ObjectType({
  description:
    'A card payment towards an order or a check, with its processor outcome, refunds and settlement. Amounts are ' +
    'Money in the payment’s currency',
})
@Entity({ tableName: 'payment' })
@Index({ properties: ['tenantId', 'locationId', 'settledAt'] })
// The keysets of the payment lists: the caller's (Query.payments), a location's, an order's and a check's.
@Index({ properties: ['tenantId', 'createdAt', 'id'] })
@Index({ properties: ['locationId', 'createdAt', 'id'] })
@Index({ properties: ['orderId', 'createdAt', 'id'] })
@Index({ properties: ['checkId', 'createdAt', 'id'] })
// What the expiry sweep reads: pending payments with an expiry, soonest first.
@Index({
  name: 'payment_pending_expiry_index',
  expression: `create index "payment_pending_expiry_index" on "payments"."payment" ("expires_at") where "status" = 'PENDING' and "expires_at" is not null`,
})
// A processor transaction (its invoice) is registered on a check once: a retried registration finds the first.
@Unique({
  name: 'payment_check_invoice_unique',
  expression:
    'create unique index "payment_check_invoice_unique" on "payments"."payment" ("tenant_id", "processor_reference") where "check_id" is not null',
})
export class Payment {
  @Field(() => ID, { description: 'The payment’s id (also the processor’s reference for it)' })
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ length: 64 })
  tenantId!: string;

  /** The location of the order or check, so POS users see only their locations' payments and batches close per location. */
  @Property({ type: 'integer', nullable: true })
  locationId: number | null = null;

  @Property({ type: 'uuid', nullable: true })
  orderId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  checkId: string | null = null;

  @Field(() => PaymentStatus, { description: 'Where the payment stands' })
  @Property({ type: 'string', length: 24 })
  status: PaymentStatus = PaymentStatus.PENDING;

  @Field(() => Int, {
    description: 'Amount in minor units of `currency`',
    deprecationReason: 'Read amount { amountMinor currency }.',
  })
  @Property({ type: 'integer' })
  amountCents!: number;

  @Field(() => Int, {
    description: 'Refunded so far, in minor units of `currency`',
    deprecationReason: 'Read refunded { amountMinor currency }.',
  })
  @Property({ type: 'integer' })
  refundedCents: number = 0;

  @Field(() => Int, {
    description: 'Tip on top of the amount, in minor units of `currency`; not part of what is owed',
    deprecationReason: 'Read tip { amountMinor currency }.',
  })
  @Property({ type: 'integer', default: 0 })
  tipCents: number = 0;

  @Field(() => CurrencyCode, { description: 'The currency of every amount of the payment' })
  @Property({ length: 3 })
  currency!: string;

  @Field(() => EntryMode, { description: 'How the card was presented' })
  @Property({ type: 'string', length: 24 })
  entryMode: EntryMode = EntryMode.CARD_PRESENT;

  /** Stored in lower case (`valor`, `external`), as webhook bodies and REST spell it; the graph shows the enum. */
  @Property({ length: 32 })
  processor: string = 'valor';

  @Field(() => String, { nullable: true, description: 'The processor’s transaction id' })
  @Property({ length: 128, nullable: true })
  processorReference: string | null = null;

  @Field(() => String, { nullable: true, description: 'The issuer’s approval code; null unless approved' })
  @Property({ length: 32, nullable: true })
  authorizationCode: string | null = null;

  @Field(() => String, {
    nullable: true,
    description: 'Why the payment was declined, cancelled or expired, or why its last reversal failed',
  })
  @Property({ length: 64, nullable: true })
  failureCode: string | null = null;

  @Field(() => Date, { nullable: true, description: 'When the batch holding this payment closed; no void after it' })
  @Property({ type: 'timestamptz', nullable: true })
  settledAt: Date | null = null;

  /** Set while a void is with the processor, so a concurrent refund or second void waits its turn. */
  @Property({ type: 'timestamptz', nullable: true })
  voidRequestedAt: Date | null = null;

  /**
   * Set while a merchant-requested reversal is with the processor. Its outcome (settled or failed) arrives later as a
   * processor outcome; until then voids and refunds wait, so the money is not moved twice.
   */
  @Field(() => Date, {
    nullable: true,
    description: 'When a reversal was requested that the processor has not yet settled or failed',
  })
  @Property({ type: 'timestamptz', nullable: true })
  reversalRequestedAt: Date | null = null;

  /**
   * The end of the checkout the payment was made in (a hosted checkout's expiry). A payment still pending then —
   * the processor's answer never came — is expired by the sweep in payment.expiry.ts (payment.expired).
   */
  @Field(() => Date, {
    nullable: true,
    description: 'When a payment still waiting for the processor expires (the end of its hosted checkout)',
  })
  @Property({ type: 'timestamptz', nullable: true })
  expiresAt: Date | null = null;

  @Field(() => Int, { description: 'Bumped on every change, so consumers can discard stale copies' })
  @Property({ type: 'integer' })
  version: number = 1;

  @Field({ description: 'When the payment was recorded (before the processor answered)' })
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Field({ description: 'When the payment last changed' })
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt: Date = new Date();
}

/** The orders of a list of payments by creation time. */
export enum PaymentOrder {
  CREATED_AT_ASC = 'CREATED_AT_ASC',
  CREATED_AT_DESC = 'CREATED_AT_DESC',
}
registerEnumType(PaymentOrder, {
  name: 'PaymentOrder',
  description: 'The order of a list of payments',
  valuesConfig: CREATED_AT_ORDER_VALUES,
});

@ObjectType({ description: 'A page of payments' })
export class PaymentConnection extends Connection(Payment, 'payments') {}
