import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** Why a payment's hold on a check is here (see {@link CheckHold}). */
export enum CheckHoldStatus {
  /** The checks subgraph is being asked to reserve the amount; the payment is not recorded yet. */
  RESERVING = 'reserving',
  /** The payment will never be recorded: the check must hold 0 for it. */
  ABANDONED = 'abandoned',
  /** The payment was recorded and now holds less (voided, refunded, expired): the check must hold `heldCents`. */
  LOWERED = 'lowered',
}

/**
 * What the checks subgraph has yet to hear about a payment's reservation on a check: the outbox of the
 * reservation, one row per payment, only while there is something to do. It is written before the reservation is
 * asked for, so a process that dies in between leaves a trace the sweep finds; the payment's transaction deletes
 * it (the reservation then stands for the recorded payment), and so does telling the checks subgraph what it asks.
 */
@Entity({ tableName: 'check_hold' })
export class CheckHold {
  @PrimaryKey({ type: 'uuid' })
  paymentId!: string;

  @Property({ length: 64 })
  tenantId!: string;

  @Property({ type: 'string', length: 16 })
  status: CheckHoldStatus = CheckHoldStatus.RESERVING;

  /** What the check should hold for the payment: the amount while reserving, less once the payment holds less. */
  @Property({ type: 'integer' })
  heldCents!: number;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}
