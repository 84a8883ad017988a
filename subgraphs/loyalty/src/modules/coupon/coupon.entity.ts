import { randomUUID } from 'node:crypto';
import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Connection } from '@pos/kit';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { LoyaltyCustomer } from '../customer/customer.entity';
import { LoyaltyOrg } from '../org/org.entity';

export enum CouponStatus {
  ACTIVE = 'ACTIVE',
  REDEEMED = 'REDEEMED',
  /** Its stamp earn was reversed before it was used. */
  VOID = 'VOID',
}
registerEnumType(CouponStatus, {
  name: 'CouponStatus',
  description: 'Where a reward coupon stands',
  valuesConfig: {
    ACTIVE: { description: 'Issued and not used yet: it can be redeemed' },
    REDEEMED: { description: 'Used: redeemedAt says when' },
    VOID: { description: 'Cancelled before it was used, because the stamp earn that issued it was reversed' },
  },
});

/**
 * A reward a full stamp card issued. Its QR token is not stored: it is derived from the id with a keyed MAC
 * (coupon.tokens.ts), so the table holds nothing a reader could redeem with.
 */
@ObjectType('Coupon', { description: 'A reward a full stamp card issued to a loyalty customer' })
@Entity({ tableName: 'loyalty_coupon' })
export class Coupon {
  @Field(() => ID, { description: 'The coupon’s id (a UUID)' })
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => LoyaltyOrg)
  org!: LoyaltyOrg;

  @ManyToOne(() => LoyaltyCustomer, { index: true })
  customer!: LoyaltyCustomer;

  @Field({ description: 'The reward’s name as the org set it, to show the customer' })
  @Property({ length: 200 })
  name!: string;

  @Field(() => CouponStatus, { description: 'Whether it can still be redeemed' })
  @Property({ type: 'string', length: 16 })
  status: CouponStatus = CouponStatus.ACTIVE;

  @Field({ description: 'When the full stamp card issued it' })
  @Property({ type: 'timestamptz' })
  issuedAt: Date = new Date();

  @Field(() => Date, { nullable: true, description: 'When it was redeemed; null while it is not' })
  @Property({ type: 'timestamptz', nullable: true })
  redeemedAt: Date | null = null;
}

@ObjectType({ description: 'A page of a loyalty customer’s coupons, newest first' })
export class CouponConnection extends Connection(Coupon, 'coupons') {}
