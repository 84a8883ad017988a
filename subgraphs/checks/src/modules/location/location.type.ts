import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** Location is owned by the orders subgraph; this subgraph adds its open checks. */
@Directive('@key(fields: "id")')
@ObjectType('Location')
export class LocationRef {
  @Field(() => ID)
  id!: string;
}
