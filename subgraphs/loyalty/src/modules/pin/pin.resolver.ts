import { LOYALTY_CUSTOMER_SCOPE, requirePrincipal, requireScope } from '@pos/kit';
import { Ctx, Field, ID, ObjectType, Query, Resolver } from 'type-graphql';
import type { LoyaltyContext } from '../../context';
import { LoyaltyCustomer } from '../customer/customer.entity';
import { LoyaltyAction } from './pin-challenge.entity';

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

@Resolver()
export class PinResolver {
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
    const [pendingPins, [pinLockedUntil]] = await Promise.all([
      ctx.services.pins.pending(customer.id),
      ctx.services.pins.lockedUntil([customer.id]),
    ]);
    return { customer, pendingPins, pinLockedUntil };
  }
}
