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
registerEnumType(CouponStatus, { name: 'CouponStatus' });

/**
 * A reward a full stamp card issued. Its QR token is not stored: it is derived from the id with a keyed MAC
 * (coupon.tokens.ts), so the table holds nothing a reader could redeem with.
 */
@ObjectType('Coupon')
@Entity({ tableName: 'loyalty_coupon' })
export class Coupon {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => LoyaltyOrg)
  org!: LoyaltyOrg;

  @ManyToOne(() => LoyaltyCustomer, { index: true })
  customer!: LoyaltyCustomer;

  @Field()
  @Property({ length: 200 })
  name!: string;

  @Field(() => CouponStatus)
  @Property({ type: 'string', length: 16 })
  status: CouponStatus = CouponStatus.ACTIVE;

  @Field()
  @Property({ type: 'timestamptz' })
  issuedAt: Date = new Date();

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  redeemedAt: Date | null = null;
}

@ObjectType({ description: 'A page of a loyalty customer’s coupons, newest first' })
export class CouponConnection extends Connection(Coupon, 'coupons') {}
