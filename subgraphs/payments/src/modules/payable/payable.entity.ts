import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * Something that can be paid (an order or a check), as the payments ledger knows it: one row per target, locked
 * FOR UPDATE while a payment against it is recorded, so concurrent payments on one target are serialised in the
 * database (on any replica) and can never together exceed what it owes.
 */
@Entity({ tableName: 'payable' })
export class Payable {
  /** The order's or the check's id. */
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ length: 64 })
  tenantId!: string;

  @Property({ length: 16 })
  kind!: 'order' | 'check';

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
