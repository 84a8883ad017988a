import { ConnectionArgs, type ConnectionPage, requirePrincipal, userErrorPayload } from '@pos/kit';
import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { LoyaltyContext } from '../../context';
import { LoyaltyOrg } from '../org/org.entity';
import { LoyaltyProgramChange, LoyaltyProgramChangeConnection } from './program-change.entity';
import { UpdateLoyaltyProgramInput } from './program.inputs';
import { UpdateLoyaltyProgramPayload } from './program.payload';

@Resolver(() => LoyaltyOrg)
export class ProgramResolver {
  @Query(() => [LoyaltyOrg], {
    description:
      'Your loyalty programs (one per merchant brand, so a short list), by name, with their settings (scope ' +
      'tilt/loyalty:admin)',
  })
  loyaltyPrograms(@Ctx() ctx: LoyaltyContext): Promise<LoyaltyOrg[]> {
    return ctx.services.programs.list(requirePrincipal(ctx));
  }

  @Mutation(() => UpdateLoyaltyProgramPayload, {
    nullable: true,
    description:
      'Changes a loyalty program’s settings (scope tilt/loyalty:admin); the next earn or redeem uses them, and the ' +
      'change is audited (LoyaltyOrg.changes). Refusals are `userErrors`: VALIDATION, one per value out of bounds ' +
      '(nothing is applied then). Another partner’s program is not found.',
  })
  updateLoyaltyProgram(
    @Arg('input', { description: 'The program and the settings to change' }) input: UpdateLoyaltyProgramInput,
    @Ctx() ctx: LoyaltyContext,
  ) {
    return userErrorPayload(() => ctx.services.programs.update(requirePrincipal(ctx), input));
  }

  @FieldResolver(() => LoyaltyProgramChangeConnection, {
    description: 'Who changed the program’s settings, when, before and after; newest first (scope tilt/loyalty:admin)',
  })
  changes(
    @Root() program: LoyaltyOrg,
    @Args() page: ConnectionArgs,
    @Ctx() ctx: LoyaltyContext,
  ): Promise<ConnectionPage<LoyaltyProgramChange>> {
    return ctx.services.programs.changes(requirePrincipal(ctx), program, page);
  }
}
