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
@ObjectType({
  description: 'A member of a loyalty program, known at the POS by a 6-digit code; balances never go below 0',
})
@Entity({ tableName: 'loyalty_customer' })
@Check({ name: 'loyalty_customer_balances_check', expression: 'points >= 0 and stamps >= 0' })
export class LoyaltyCustomer {
  @Field(() => ID, { description: 'The customer’s id (a UUID)' })
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => LoyaltyOrg)
  org!: LoyaltyOrg;

  @Field({ description: 'The 6-digit code the customer shows or types at the POS (unique across programs)' })
  @Property({ length: 6, unique: true })
  code!: string;

  @Field(() => Int, { description: 'Points balance: the sum of the POINT ledger deltas' })
  @Property({ type: 'integer' })
  points: number = 0;

  @Field(() => Int, { description: 'Stamps on the current card: the sum of the STAMP ledger deltas' })
  @Property({ type: 'integer' })
  stamps: number = 0;
}
