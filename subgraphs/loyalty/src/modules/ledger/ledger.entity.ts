import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Connection } from '@pos/kit';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CurrencyCode } from '@pos/kit/currency';
import { Coupon } from '../coupon/coupon.entity';
import { LoyaltyCustomer } from '../customer/customer.entity';
import { LoyaltyOrg } from '../org/org.entity';

export enum LoyaltyTransactionKind {
  EARN = 'EARN',
  REDEEM = 'REDEEM',
  /** A full stamp card turned into a reward coupon (the card's stamps leave the balance). */
  COUPON_ISSUE = 'COUPON_ISSUE',
  COUPON_REDEEM = 'COUPON_REDEEM',
  /** Undoes an earn or a redeem, with the opposite delta. */
  REVERSAL = 'REVERSAL',
}
registerEnumType(LoyaltyTransactionKind, {
  name: 'LoyaltyTransactionKind',
  description: 'What made a loyalty balance change',
  valuesConfig: {
    EARN: { description: 'Points or stamps earned for a purchase (positive delta)' },
    REDEEM: { description: 'Points spent (negative delta)' },
    COUPON_ISSUE: { description: 'A full stamp card turned into a reward coupon: the card’s stamps leave the balance' },
    COUPON_REDEEM: { description: 'A reward coupon was used' },
    REVERSAL: { description: 'Undoes an earn or a redeem, with the opposite delta' },
  },
});

export enum LoyaltyUnit {
  POINT = 'POINT',
  STAMP = 'STAMP',
  COUPON = 'COUPON',
}
registerEnumType(LoyaltyUnit, {
  name: 'LoyaltyUnit',
  description: 'Which balance a loyalty transaction changes',
  valuesConfig: {
    POINT: { description: 'The points balance (LoyaltyCustomer.points)' },
    STAMP: { description: 'The stamps balance (LoyaltyCustomer.stamps)' },
    COUPON: { description: 'The customer’s active coupons' },
  },
});

/**
 * One balance change of a loyalty customer: the ledger. Rows are only ever inserted; a customer's points (stamps)
 * are the sum of the deltas of their POINT (STAMP) rows. An earn or a redeem carries the POS's external id, unique
 * per org and kind, which is what makes a retried call a no-op (`already processed`) even when two arrive at once.
 */
@Directive('@key(fields: "id")')
@ObjectType({
  description: 'One change of a loyalty customer’s balance; the ledger only grows, a mistake is undone by a REVERSAL',
})
@Entity({ tableName: 'loyalty_transaction' })
@Index({ properties: ['customer', 'createdAt'] })
@Index({ properties: ['orderId', 'createdAt', 'id'] })
@Index({
  name: 'loyalty_transaction_external_id_unique',
  expression:
    'create unique index "loyalty_transaction_external_id_unique" on "loyalty"."loyalty_transaction" ("org_id", "kind", "external_id") where "external_id" is not null',
})
export class LoyaltyTransaction {
  @Field(() => ID, { description: 'The transaction’s id (a UUID); what reverseLoyaltyTransaction takes' })
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => LoyaltyOrg)
  org!: LoyaltyOrg;

  @Field(() => LoyaltyCustomer, { description: 'The customer whose balance changed' })
  @ManyToOne(() => LoyaltyCustomer)
  customer!: LoyaltyCustomer;

  @Field(() => LoyaltyTransactionKind, { description: 'What made the change' })
  @Property({ type: 'string', length: 16 })
  kind!: LoyaltyTransactionKind;

  @Field(() => LoyaltyUnit, { description: 'Which balance changed' })
  @Property({ type: 'string', length: 8 })
  unit!: LoyaltyUnit;

  @Field(() => Int, { description: 'The change to the balance of `unit`: positive for an earn, negative for a spend' })
  @Property({ type: 'integer' })
  delta!: number;

  @Field(() => Int, { description: 'The balance of `unit` right after this change (coupons: those still active)' })
  @Property({ type: 'integer' })
  balanceAfter!: number;

  @Field(() => String, { nullable: true, description: 'The POS’s id of the purchase or redemption (idempotency)' })
  @Property({ length: 128, nullable: true })
  externalId: string | null = null;

  /**
   * The external id when it is a UUID, lower case (a reversal copies its original's): the id of an Order of the
   * orders subgraph, if one exists. Only the orders subgraph reads it (`order` requires it), which knows whether
   * that order exists for the caller; so it stays out of the public graph.
   */
  @Directive('@inaccessible')
  @Field(() => ID, { nullable: true })
  @Property({ type: 'uuid', nullable: true })
  orderId: string | null = null;

  @Field(() => Int, {
    nullable: true,
    description: 'The purchase total a point earn was computed from, in minor units of `currency`',
    deprecationReason: 'Read amount { amountMinor currency }.',
  })
  @Property({ type: 'integer', nullable: true })
  amountCents: number | null = null;

  @Field(() => CurrencyCode, {
    nullable: true,
    description: 'ISO 4217 code of amountCents; null when it is null',
    deprecationReason: 'Read amount { currency }.',
  })
  @Property({ length: 3, nullable: true })
  currency: string | null = null;

  @Field(() => Coupon, {
    nullable: true,
    description: 'The coupon a COUPON_ISSUE issued or a COUPON_REDEEM used; null for the other kinds',
  })
  @ManyToOne(() => Coupon, { nullable: true })
  coupon: Coupon | null = null;

  /** The transaction this one reverses; unique, so a transaction is reversed at most once. */
  @ManyToOne(() => LoyaltyTransaction, { nullable: true, unique: true })
  reverses: LoyaltyTransaction | null = null;

  @Field({ description: 'When the change was recorded' })
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

@ObjectType({ description: 'A page of a loyalty customer’s ledger, newest first' })
export class LoyaltyTransactionConnection extends Connection(LoyaltyTransaction, 'loyalty transactions') {}
