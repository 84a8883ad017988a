import { randomUUID } from 'node:crypto';
import { Collection, Entity, ManyToOne, OneToMany, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum CheckStatus {
  OPEN = 'OPEN',
  CLOSED = 'CLOSED',
}
registerEnumType(CheckStatus, { name: 'CheckStatus' });

/** A check (bill) as the POS records it. Amounts are integer cents. */
@Directive('@key(fields: "id")')
@ObjectType()
@Entity({ tableName: 'check' })
@Unique({ properties: ['locationId', 'posRef'] })
export class Check {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ length: 64, index: true })
  tenantId!: string;

  @Property({ type: 'integer' })
  locationId!: number;

  @Property({ type: 'uuid', nullable: true, index: true })
  orderId: string | null = null;

  @Field({ description: 'Identifier of the check within its location' })
  @Property({ length: 64 })
  posRef!: string;

  @Field()
  @Property({ length: 32 })
  orderNumber!: string;

  @Field(() => String, { nullable: true })
  @Property({ length: 64, nullable: true })
  tableName: string | null = null;

  @Field(() => Int, { nullable: true })
  @Property({ type: 'integer', nullable: true })
  guestCount: number | null = null;

  @Field(() => CheckStatus)
  @Property({ type: 'string', length: 16 })
  status: CheckStatus = CheckStatus.OPEN;

  @Field()
  @Property({ type: 'timestamptz' })
  openedAt: Date = new Date();

  @Field()
  @Property({ length: 64 })
  ownedByEmployeeRef!: string;

  @Field()
  @Property({ length: 128 })
  ownedByEmployee!: string;

  @Field(() => Int, { description: 'Tax in cents' })
  @Property({ type: 'integer' })
  taxes: number = 0;

  @Field()
  @Property()
  isLocked: boolean = false;

  @OneToMany(() => CheckItem, (item) => item.check, { orderBy: { position: 'asc' } })
  items = new Collection<CheckItem>(this);
}

@ObjectType()
@Entity({ tableName: 'check_item' })
export class CheckItem {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Check, { deleteRule: 'cascade' })
  check!: Check;

  @Property({ type: 'integer' })
  position!: number;

  @Field()
  @Property({ length: 64 })
  posRef!: string;

  @Field()
  @Property({ length: 200 })
  name!: string;

  @Field(() => Int)
  @Property({ type: 'integer' })
  quantity!: number;

  @Field(() => String, { nullable: true })
  @Property({ length: 500, nullable: true })
  modifiersAsText: string | null = null;

  @Field(() => Int, { description: 'Total price of the item including modifiers, in cents' })
  @Property({ type: 'integer' })
  price!: number;
}
