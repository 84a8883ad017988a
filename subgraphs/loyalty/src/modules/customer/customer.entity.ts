import { randomUUID } from 'node:crypto';
import { Check, Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { LoyaltyOrg } from '../org/org.entity';

/** Problems with a customer code given by a client (`name: reason` lines; empty when it is 6 digits). */
export const customerCodeProblems = (code: unknown, name: string): string[] =>
  typeof code === 'string' && /^\d{6}$/.test(code) ? [] : [`${name}: must be exactly 6 digits`];

/**
 * A loyalty member of one org, identified at the POS by a 6-digit code unique across orgs. The balances are the sum
 * of the customer's ledger; the database refuses a negative one, whatever a bug in a service might try.
 */
@Directive('@key(fields: "id")')
@ObjectType()
@Entity({ tableName: 'loyalty_customer' })
@Check({ name: 'loyalty_customer_balances_check', expression: 'points >= 0 and stamps >= 0' })
export class LoyaltyCustomer {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => LoyaltyOrg)
  org!: LoyaltyOrg;

  @Field()
  @Property({ length: 6, unique: true })
  code!: string;

  @Field(() => Int)
  @Property({ type: 'integer' })
  points: number = 0;

  @Field(() => Int)
  @Property({ type: 'integer' })
  stamps: number = 0;
}
