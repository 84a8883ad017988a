import { requirePrincipal } from '@pos/kit';
import { Arg, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { LoyaltyContext } from '../../context';
import { LoyaltyOrg } from '../org/org.entity';
import { LoyaltyCustomer } from './customer.entity';

@Resolver(() => LoyaltyCustomer)
export class CustomerResolver {
  @Query(() => LoyaltyCustomer, { nullable: true, description: "A loyalty customer of one of the caller's orgs" })
  loyaltyCustomer(@Arg('code') code: string, @Ctx() ctx: LoyaltyContext): Promise<LoyaltyCustomer | null> {
    return ctx.services.customers.byCode(requirePrincipal(ctx), code);
  }

  @FieldResolver(() => LoyaltyOrg)
  org(@Root() customer: LoyaltyCustomer): LoyaltyOrg {
    return customer.org;
  }
}
