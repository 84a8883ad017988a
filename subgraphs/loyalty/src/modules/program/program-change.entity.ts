import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Connection } from '@pos/kit';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { LoyaltyOrg, VerificationPreset } from '../org/org.entity';

/** The settings a merchant changes (its "merchant app settings"), as an audit entry records them. */
@ObjectType({ description: 'A loyalty program’s settings at one moment' })
export class LoyaltyProgramSettings {
  @Field(() => Float, { description: 'Points earned per unit of currency spent' })
  earnRatio!: number;

  @Field(() => VerificationPreset, { description: 'Which actions need the customer’s PIN' })
  preset!: VerificationPreset;

  @Field(() => Int, { description: 'Stamps that fill a card' })
  stampsPerCard!: number;

  @Field(() => Int, { description: 'The most stamps one earn may award' })
  maxStampsPerEarn!: number;

  @Field({ description: 'The name of the coupon a full stamp card issues' })
  rewardName!: string;
}

/** The settings of an org, as they are now. */
export const settingsOf = (org: LoyaltyOrg): LoyaltyProgramSettings => ({
  earnRatio: org.earnRatio,
  preset: org.preset,
  stampsPerCard: org.stampsPerCard,
  maxStampsPerEarn: org.maxStampsPerEarn,
  rewardName: org.rewardName,
});

/**
 * One change of a loyalty program's settings: who made it, when, and the settings before and after. Written in the
 * same transaction as the change, so a change without its entry cannot exist. Never deleted.
 */
@ObjectType({ description: 'A change of a loyalty program’s settings: who, when, before and after' })
@Entity({ tableName: 'loyalty_program_change' })
@Index({ properties: ['org', 'createdAt'] })
export class LoyaltyProgramChange {
  @Field(() => ID, { description: 'The change’s id (a UUID)' })
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => LoyaltyOrg)
  org!: LoyaltyOrg;

  @Field(() => Date, { description: 'When the change was made' })
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Field({
    description: 'What made it: `person` (someone signed in to the portal) or `m2m` (a partner’s API client)',
  })
  @Property({ length: 32 })
  actorKind!: string;

  @Field({ description: 'The person’s or the API client’s id' })
  @Property({ length: 128 })
  actorId!: string;

  @Field(() => LoyaltyProgramSettings, { description: 'The settings before the change' })
  @Property({ type: 'json' })
  before!: LoyaltyProgramSettings;

  @Field(() => LoyaltyProgramSettings, { description: 'The settings after the change' })
  @Property({ type: 'json' })
  after!: LoyaltyProgramSettings;
}

@ObjectType({ description: 'A page of a loyalty program’s setting changes, newest first' })
export class LoyaltyProgramChangeConnection extends Connection(LoyaltyProgramChange, 'setting changes') {}
