import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { Connection } from '@pos/kit';
import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** A restaurant location. Owned by one partner (tenant); other subgraphs refer to it by id. */
@Directive('@key(fields: "id")')
@ObjectType({
  description: 'A restaurant location of the caller’s organisation; orders, checks and payments are taken at one',
})
@Entity({ tableName: 'location' })
@Index({ properties: ['tenantId', 'createdAt', 'id'] })
export class Location {
  @Field(() => ID, { description: 'The location’s id; what `locationId` arguments and filters take' })
  @PrimaryKey({ autoincrement: true })
  id!: number;

  @Property({ length: 64, index: true })
  tenantId!: string;

  @Field({ description: 'The location’s name as staff and guests know it' })
  @Property({ length: 200 })
  name!: string;

  @Field({ description: 'IANA time zone of the location' })
  @Property({ length: 64 })
  timezone!: string;

  @Field({ description: 'When the location was registered' })
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

@ObjectType({ description: 'A page of locations' })
export class LocationConnection extends Connection(Location, 'locations') {}
