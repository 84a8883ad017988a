import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** A restaurant location. Owned by one partner (tenant); other subgraphs refer to it by id. */
@Directive('@key(fields: "id")')
@ObjectType()
@Entity({ tableName: 'location' })
export class Location {
  @Field(() => ID)
  @PrimaryKey({ autoincrement: true })
  id!: number;

  @Property({ length: 64, index: true })
  tenantId!: string;

  @Field()
  @Property({ length: 200 })
  name!: string;

  @Field({ description: 'IANA time zone of the location' })
  @Property({ length: 64 })
  timezone!: string;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
