import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { LoyaltyCustomer } from '../customer/customer.entity';
import { PinChallenge } from './pin-challenge.entity';

/**
 * One wrong PIN, counted when it was given, whatever the challenge, action or caller: the customer's PIN lock
 * counts these in a sliding window (pin.service.ts). Rows older than the window are pruned as new ones come.
 */
@Entity({ tableName: 'loyalty_pin_failure' })
@Index({ properties: ['customer', 'failedAt'] })
export class PinFailure {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => LoyaltyCustomer)
  customer!: LoyaltyCustomer;

  @ManyToOne(() => PinChallenge)
  challenge!: PinChallenge;

  @Property({ type: 'timestamptz' })
  failedAt!: Date;
}
