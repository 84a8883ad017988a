import { randomUUID } from 'node:crypto';
import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum VerificationPreset {
  STANDARD = 'standard',
  BALANCED = 'balanced',
  STRICT = 'strict',
}
registerEnumType(VerificationPreset, { name: 'VerificationPreset' });

/** A merchant's loyalty program. Its POS integration authenticates with an API key stored only as a hash. */
@ObjectType()
@Entity({ tableName: 'loyalty_org' })
export class LoyaltyOrg {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** The partner the program belongs to. */
  @Property({ length: 64, index: true })
  tenantId!: string;

  @Field()
  @Property({ length: 200 })
  name!: string;

  @Field(() => VerificationPreset)
  @Property({ type: 'string', length: 16 })
  preset!: VerificationPreset;

  /** SHA-256 of the API key (keys are random and long, so a fast hash is enough; the key itself is never kept). */
  @Property({ length: 64, unique: true })
  apiKeyHash!: string;

  @Field()
  @Property()
  subscriptionActive: boolean = true;

  @Field({ description: 'Points earned per unit of currency spent' })
  @Property({ type: 'double' })
  earnRatio: number = 1;

  @Field(() => Int)
  @Property({ type: 'integer' })
  stampsPerCard: number = 5;

  @Field(() => Int)
  @Property({ type: 'integer' })
  maxStampsPerEarn: number = 5;

  @Field()
  @Property({ length: 200 })
  rewardName: string = 'Free Coffee';
}
