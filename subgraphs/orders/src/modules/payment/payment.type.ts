import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** Payment is owned by the payments subgraph; this subgraph only links a hosted checkout to the one that paid it. */
@Directive('@key(fields: "id")')
@ObjectType('Payment')
export class PaymentRef {
  @Field(() => ID)
  id!: string;
}
