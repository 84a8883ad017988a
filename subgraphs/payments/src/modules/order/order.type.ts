import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** Order is owned by the orders subgraph; this subgraph adds its payments. */
@Directive('@key(fields: "id")')
@ObjectType('Order')
export class OrderRef {
  @Field(() => ID)
  id!: string;
}
