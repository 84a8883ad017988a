import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** Order is owned by the orders subgraph; this subgraph adds the loyalty transactions of its purchase. */
@Directive('@key(fields: "id")')
@ObjectType('Order')
export class OrderRef {
  @Field(() => ID)
  id!: string;
}
