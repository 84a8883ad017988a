import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { VerificationPreset } from '../org/org.entity';

/** Every setting is optional: only what is given changes. */
@InputType({ description: 'New settings for one of your loyalty programs; only the fields given change' })
export class UpdateLoyaltyProgramInput {
  @Field(() => ID, { description: 'The program (LoyaltyOrg.id)' })
  id!: string;

  @Field(() => Float, {
    nullable: true,
    description: 'Points per unit of currency spent: 0 to 100, at most 4 decimals (e.g. 1.5)',
  })
  earnRatio?: number | null;

  @Field(() => VerificationPreset, { nullable: true, description: 'Which actions need the customer’s PIN' })
  preset?: VerificationPreset | null;

  @Field(() => Int, { nullable: true, description: 'Stamps that fill a card: 1 to 50' })
  stampsPerCard?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'The most stamps one earn may award: 1 to the stamps per card',
  })
  maxStampsPerEarn?: number | null;

  @Field(() => String, { nullable: true, description: 'The reward coupon’s name: 1 to 100 characters' })
  rewardName?: string | null;
}
