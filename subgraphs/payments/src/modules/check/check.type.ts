import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** Check is owned by the checks subgraph; this subgraph adds its payments. */
@Directive('@key(fields: "id")')
@ObjectType('Check')
export class CheckRef {
  @Field(() => ID)
  id!: string;
}
