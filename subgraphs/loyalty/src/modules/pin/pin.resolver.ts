import { LOYALTY_CUSTOMER_SCOPE, requirePrincipal, requireScope } from '@pos/kit';
import { Ctx, Field, ID, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { LoyaltyContext } from '../../context';
import { LoyaltyCustomer } from '../customer/customer.entity';
import { LoyaltyAction } from './pin-challenge.entity';
import type { PinChallengeState } from './pin-challenge.hub';

@ObjectType({ description: 'A PIN the cashier is waiting for: the customer reads it out (or shows it)' })
export class LoyaltyPendingPin {
  @Field(() => ID, { description: 'The challenge the POS got with PIN_REQUIRED (`pinVerification.challengeId`)' })
  challengeId!: string;

  @Field(() => LoyaltyAction, { description: 'The action the PIN opens; it opens no other' })
  action!: LoyaltyAction;

  @Field({ description: '4 digits' })
  pin!: string;

  @Field({ description: 'When the PIN stops working (90 seconds after it was issued): hide it then' })
  expiresAt!: Date;

  @Field({ description: 'The program that asked' })
  orgName!: string;
}

@ObjectType({ description: 'What a loyalty customer’s dashboard shows' })
export class LoyaltyDashboard {
  @Field(() => LoyaltyCustomer, { description: 'Balances, coupons and ledger' })
  customer!: LoyaltyCustomer;

  @Field(() => [LoyaltyPendingPin], { description: 'Open PIN challenges, newest first; each lives 90 seconds' })
  pendingPins!: LoyaltyPendingPin[];

  @Field(() => Date, {
    nullable: true,
    description:
      'Until when PIN verification is refused for this customer after too many incorrect PINs (no PIN is shown ' +
      'meanwhile: the POS is refused with pin_attempts_exceeded); null when it is not',
  })
  pinLockedUntil!: Date | null;
}

@ObjectType({
  description:
    'A loyalty customer’s PIN challenges as they stand after a change: the whole state, which replaces the one shown',
})
export class LoyaltyPinChallenges {
  @Field(() => [LoyaltyPendingPin], {
    description:
      'The open PIN challenges, newest first (the same list as loyaltyDashboard.pendingPins): show these and no ' +
      'other, so one answered, expired, superseded or closed by a lock disappears',
  })
  pendingPins!: LoyaltyPendingPin[];

  @Field(() => Date, {
    nullable: true,
    description:
      'Until when PIN verification is refused for this customer after too many incorrect PINs (as ' +
      'loyaltyDashboard.pinLockedUntil); null when it is not',
  })
  pinLockedUntil!: Date | null;
}

@Resolver()
export class PinResolver {
  @Subscription(() => LoyaltyPinChallenges, {
    description:
      'The signed-in loyalty customer’s PIN challenges, live (X-Api-Key: the customer’s dashboard key only; ' +
      'FORBIDDEN for any other caller): the current state when the stream opens, then the state after each change ' +
      '(a PIN issued, answered, expired, superseded or closed by a lock). Read loyaltyDashboard when the ' +
      'subscription (re)connects: a stream joined through the gateway may not start with the current state',
    subscribe: async ({ context }) => {
      const ctx = context as LoyaltyContext;
      const principal = requirePrincipal(ctx);
      requireScope(principal, LOYALTY_CUSTOMER_SCOPE);
      return ctx.services.pins.watch(await ctx.services.customers.self(principal));
    },
  })
  loyaltyPinChallenges(@Root() state: PinChallengeState): LoyaltyPinChallenges {
    return state;
  }

  @Query(() => LoyaltyDashboard, {
    nullable: true,
    description:
      'The signed-in loyalty customer’s dashboard (X-Api-Key: the customer’s dashboard key only). Nullable, so a ' +
      'refusal (FORBIDDEN for any other caller) nulls this field alone, not the rest of a query',
  })
  async loyaltyDashboard(@Ctx() ctx: LoyaltyContext): Promise<LoyaltyDashboard> {
    const principal = requirePrincipal(ctx);
    requireScope(principal, LOYALTY_CUSTOMER_SCOPE);
    const customer = await ctx.services.customers.self(principal);
    return { customer, ...(await ctx.services.pins.state(customer.id)) };
  }
}
