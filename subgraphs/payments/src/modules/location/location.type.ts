import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** Location is owned by the orders subgraph; this subgraph only links payments and their events to it. */
@Directive('@key(fields: "id")')
@ObjectType('Location')
export class LocationRef {
  @Field(() => ID)
  id!: string;
}

/** The reference the gateway resolves through the orders subgraph. */
export const locationRef = (locationId: number): LocationRef => ({ id: String(locationId) });
