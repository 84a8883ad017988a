import { randomUUID } from 'node:crypto';
import {
  Collection,
  DecimalType,
  Entity,
  Index,
  ManyToOne,
  OneToMany,
  PrimaryKey,
  Property,
  Unique,
} from '@mikro-orm/core';
import { Connection } from '@pos/kit';
import { CurrencyCode } from '@pos/kit/currency';
import { Directive, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CheckTaxKind } from './check.totals';

export enum CheckStatus {
  OPEN = 'OPEN',
  CLOSED = 'CLOSED',
}
registerEnumType(CheckStatus, {
  name: 'CheckStatus',
  description: 'Whether a check can still change and be paid',
  valuesConfig: {
    OPEN: { description: 'Being served or paid: items and charges can change (unless it is locked)' },
    CLOSED: { description: 'Closed for good with closeCheck: never changed or reopened' },
  },
});
registerEnumType(CheckTaxKind, {
  name: 'CheckTaxKind',
  description: 'STANDARD adds to taxes, OTHER to otherTaxes; HIDDEN is already included in the prices',
  valuesConfig: {
    STANDARD: { description: 'Added on top of the prices; counted in `taxes` and listed in `taxList`' },
    OTHER: { description: 'Added on top of the prices apart from the standard ones; counted in `otherTaxes`' },
    HIDDEN: { description: 'Already included in the prices (VAT-style): listed in `hiddenTaxList`, never added' },
  },
});

/** Column lengths, shared with the validation of the inputs that fill them. */
export const CHECK_LIMITS = {
  posRef: 64,
  orderNumber: 32,
  tableName: 64,
  employeeRef: 64,
  employee: 128,
  itemPosRef: 64,
  itemName: 200,
  modifiersAsText: 500,
  taxName: 64,
  feeName: 64,
} as const;

/**
 * A check (bill) as the POS records it. Amounts are integer cents in `currency`; the money figures (subtotal,
 * taxes, total...) are not stored but computed from the items and charges by `checkTotals`, so they can never
 * disagree with them. The second key (location + posRef) is how the POS and the mobile API name a check.
 */
@Directive('@key(fields: "id")')
@Directive('@key(fields: "location { id } posRef")')
@ObjectType({
  description:
    'A check (bill) as the POS records it: its items and charges, and the money figures computed from them. Known by ' +
    'its id, or by its location and posRef',
})
@Entity({ tableName: 'check' })
@Unique({ properties: ['locationId', 'posRef'] })
// The keyset of Location.checks.
@Index({ properties: ['locationId', 'openedAt', 'posRef'] })
export class Check {
  @Field(() => ID, { description: 'The check’s id' })
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ length: 64, index: true })
  tenantId!: string;

  @Property({ type: 'integer' })
  locationId!: number;

  @Property({ type: 'uuid', nullable: true, index: true })
  orderId: string | null = null;

  @Field({ description: 'Identifier of the check within its location' })
  @Property({ length: CHECK_LIMITS.posRef })
  posRef!: string;

  @Field({ description: 'Human-readable order number shown to staff and guests' })
  @Property({ length: CHECK_LIMITS.orderNumber })
  orderNumber!: string;

  @Field(() => String, { nullable: true, description: 'The table the check is served at; null when none was given' })
  @Property({ length: CHECK_LIMITS.tableName, nullable: true })
  tableName: string | null = null;

  @Field(() => Int, { nullable: true, description: 'How many guests the check serves; null when not given' })
  @Property({ type: 'integer', nullable: true })
  guestCount: number | null = null;

  @Field(() => CheckStatus, { description: 'Open, or closed for good' })
  @Property({ type: 'string', length: 16 })
  status: CheckStatus = CheckStatus.OPEN;

  @Field({ description: 'When the check was opened' })
  @Property({ type: 'timestamptz' })
  openedAt: Date = new Date();

  @Field(() => Date, { nullable: true, description: 'When the check was closed; null while it is open' })
  @Property({ type: 'timestamptz', nullable: true })
  closedAt: Date | null = null;

  @Field({ description: 'The POS’s id of the employee who owns the check' })
  @Property({ length: CHECK_LIMITS.employeeRef })
  ownedByEmployeeRef!: string;

  @Field({ description: 'The name of the employee who owns the check, as staff see it' })
  @Property({ length: CHECK_LIMITS.employee })
  ownedByEmployee!: string;

  @Field(() => CurrencyCode, { description: 'The currency of every amount of the check' })
  @Property({ length: 3, default: 'USD' })
  currency: string = 'USD';

  @Field(() => Int, {
    nullable: true,
    description:
      'Card surcharge of dual pricing in basis points (400: card prices are cash prices + 4 %); null: no dual pricing',
  })
  @Property({ type: 'integer', nullable: true })
  dualPricingRateBps: number | null = null;

  @Property({ length: CHECK_LIMITS.feeName, nullable: true })
  feeName: string | null = null;

  @Property({ type: 'integer', nullable: true })
  feeRateBps: number | null = null;

  @Property({ type: 'integer', nullable: true })
  feeAmountCents: number | null = null;

  @Property({ type: 'integer', nullable: true })
  gratuityRateBps: number | null = null;

  @Property({ type: 'integer', nullable: true })
  gratuityAmountCents: number | null = null;

  @Field({ description: 'A locked check is being paid: it cannot be changed until it is unlocked' })
  @Property({ default: false })
  isLocked: boolean = false;

  @Field(() => Int, { description: 'Bumped on every change of the check, its items or its charges' })
  @Property({ type: 'integer', default: 1 })
  version: number = 1;

  @Field({ description: 'When the check, its items or its charges last changed' })
  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();

  @OneToMany(() => CheckItem, (item) => item.check, { orderBy: { position: 'asc' } })
  items = new Collection<CheckItem>(this);

  /** The taxes as applied (rate or amount), in the order they were first applied; see `checkTotals`. */
  @OneToMany(() => CheckTax, (tax) => tax.check, { orderBy: { position: 'asc' } })
  appliedTaxes = new Collection<CheckTax>(this);
}

@ObjectType({ description: 'One line of a check, as the POS rang it up' })
@Entity({ tableName: 'check_item' })
export class CheckItem {
  @Field(() => ID, { description: 'The item’s id, to remove it with removeCheckItem' })
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Check, { deleteRule: 'cascade' })
  check!: Check;

  @Property({ type: 'integer' })
  position!: number;

  @Field({ description: 'The POS’s id of the menu item' })
  @Property({ length: CHECK_LIMITS.itemPosRef })
  posRef!: string;

  @Field({ description: 'What was sold, as the guest reads it on the bill' })
  @Property({ length: CHECK_LIMITS.itemName })
  name!: string;

  // Weighed goods sell in fractions (0.375 kg); three decimals are what scales and POSes record.
  @Field(() => Float, { description: 'How many, up to 3 decimals for weighed goods (0.375 kg)' })
  @Property({ type: new DecimalType('number'), precision: 12, scale: 3 })
  quantity!: number;

  @Field(() => String, { nullable: true, description: 'The modifiers as one line of text; null when none' })
  @Property({ length: CHECK_LIMITS.modifiersAsText, nullable: true })
  modifiersAsText: string | null = null;

  /** In minor units of the check's currency; the graph shows it as `price` (Money). */
  @Property({ type: 'integer' })
  price!: number;
}

/** A tax applied to a check: a rate of its subtotal or a fixed amount (exactly one of them). */
@Entity({ tableName: 'check_tax' })
@Unique({ properties: ['check', 'name'] })
export class CheckTax {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Check, { deleteRule: 'cascade' })
  check!: Check;

  @Property({ type: 'integer' })
  position!: number;

  @Property({ length: CHECK_LIMITS.taxName })
  name!: string;

  @Property({ type: 'string', length: 16 })
  kind!: CheckTaxKind;

  @Property({ type: 'integer', nullable: true })
  rateBps: number | null = null;

  @Property({ type: 'integer', nullable: true })
  amountCents: number | null = null;
}

/**
 * An amount the payments subgraph holds on a check for one payment (the key): reserved under the check's row lock
 * before the payment is recorded, lowered when the payment gives money back, removed at 0. The reservations of a
 * check never exceed its total, and no edit takes the total below them: that is how a check and the payments on it
 * agree without either service touching the other's tables.
 */
@Entity({ tableName: 'check_reservation' })
export class CheckReservation {
  @PrimaryKey({ type: 'uuid' })
  paymentId!: string;

  @ManyToOne(() => Check, { deleteRule: 'cascade', index: true })
  check!: Check;

  @Property({ type: 'integer' })
  amountCents!: number;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}

@ObjectType({ description: 'A page of a location’s checks, oldest first' })
export class CheckConnection extends Connection(Check, 'checks') {}
