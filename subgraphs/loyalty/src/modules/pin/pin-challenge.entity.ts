import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { registerEnumType } from 'type-graphql';
import { LoyaltyCustomer } from '../customer/customer.entity';
import { LoyaltyOrg } from '../org/org.entity';

/** What a PIN was issued for; a PIN opens only the action it was issued for. */
export enum LoyaltyAction {
  EARN = 'EARN',
  REDEEM = 'REDEEM',
  COUPON_REDEEM = 'COUPON_REDEEM',
}
registerEnumType(LoyaltyAction, {
  name: 'LoyaltyAction',
  description: 'The loyalty action a PIN was issued for: a PIN opens only that action',
  valuesConfig: {
    EARN: { description: 'Awarding points or stamps (earnLoyalty, POST /webhook/pos)' },
    REDEEM: { description: 'Deducting points or stamps (redeemLoyalty, POST /webhook/redeem)' },
    COUPON_REDEEM: { description: 'Redeeming a reward coupon (redeemLoyaltyCoupon, POST /webhook/coupons/redeem)' },
  },
});

export enum PinChallengeStatus {
  OPEN = 'OPEN',
  /** The right PIN was given and the action went through. */
  VERIFIED = 'VERIFIED',
  /** Three wrong PINs: consumed, further attempts are refused until a fresh challenge is issued. */
  EXHAUSTED = 'EXHAUSTED',
  /** A fresh challenge was issued for the same customer and action. */
  SUPERSEDED = 'SUPERSEDED',
  /** Closed when the customer's PIN lock began (too many wrong PINs): its PIN opens nothing, even after the lock. */
  LOCKED = 'LOCKED',
}

/**
 * A PIN verification the POS must pass before a gated action (the loyalty API's verification gate). The PIN is kept as a
 * keyed hash to check it (a plain hash of 4 digits would be reversed by trying all 10,000) and sealed (AES-GCM) so
 * that only the customer's own dashboard can show it.
 */
@Entity({ tableName: 'loyalty_pin_challenge' })
@Index({ properties: ['customer', 'action', 'createdAt'] })
export class PinChallenge {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => LoyaltyOrg)
  org!: LoyaltyOrg;

  @ManyToOne(() => LoyaltyCustomer)
  customer!: LoyaltyCustomer;

  @Property({ type: 'string', length: 16 })
  action!: LoyaltyAction;

  /** HMAC-SHA256 of "<challenge id>:<pin>", hex. */
  @Property({ length: 64 })
  pinHash!: string;

  @Property({ type: 'text' })
  pinSealed!: string;

  @Property({ type: 'integer' })
  attemptsLeft!: number;

  @Property({ type: 'string', length: 16 })
  status: PinChallengeStatus = PinChallengeStatus.OPEN;

  @Property({ type: 'timestamptz' })
  createdAt!: Date;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;
}
