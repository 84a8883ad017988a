import { UserError, type UserErrorsPayload } from '@pos/kit';
import { Field, ObjectType } from 'type-graphql';
import { LoyaltyOrg } from '../org/org.entity';
import { LoyaltyProgramChange } from './program-change.entity';

@ObjectType({ description: 'The result of updateLoyaltyProgram' })
export class UpdateLoyaltyProgramPayload implements UserErrorsPayload {
  @Field(() => [UserError], {
    description: 'Refusals of the input (VALIDATION, one per value out of bounds); empty on success',
  })
  userErrors!: UserError[];

  @Field(() => LoyaltyOrg, { nullable: true, description: 'The program with its settings now' })
  program?: LoyaltyOrg | null;

  @Field(() => LoyaltyProgramChange, {
    nullable: true,
    description: 'The audit entry of this change; null when the input changed nothing',
  })
  change?: LoyaltyProgramChange | null;
}
