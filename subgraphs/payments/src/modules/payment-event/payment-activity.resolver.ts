import { type PaymentEventTypeName, READ_SCOPES, parseIntIdArg, paymentEventTypeName, requireReader } from '@pos/kit';
import { CurrencyCode } from '@pos/kit/currency';
import { Arg, Ctx, Field, ID, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { PaymentsContext } from '../../context';
import { LocationRef, locationRef } from '../location/location.type';
import { PaymentEventType } from './payment-event.enums';

/**
 * A sum of money too large for Money: GraphQL's Int stops at 2^31−1 minor units (21,474,836.47 USD), which a
 * location's takings over a month pass. The amount is a string of decimal digits, so no client parses it into a
 * floating-point number by accident (use BigInt, or a decimal library).
 */
@ObjectType({
  description:
    'A sum of money that may exceed what Int holds (2^31−1 minor units): the amount is a string of decimal digits ' +
    '(e.g. "4000000000" is 40,000,000.00 USD); parse it with BigInt or a decimal library, never a float',
})
export class BigMoney {
  @Field({
    description: 'The amount in the currency’s minor unit, as decimal digits with an optional leading minus sign',
  })
  amountMinor!: string;

  @Field(() => CurrencyCode, { description: 'The ISO 4217 currency of the amount' })
  currency!: string;
}

@ObjectType({ description: 'The payment events of one location, currency and type: how many, and what they moved' })
export class PaymentActivityTotal {
  @Field(() => LocationRef, { description: 'The location of the payments' })
  location!: LocationRef;

  @Field(() => CurrencyCode, { description: 'The currency of the payments' })
  currency!: string;

  @Field(() => PaymentEventType, { description: 'What happened to the payments' })
  type!: PaymentEventTypeName;

  @Field(() => Int, { description: 'How many events of this type' })
  count!: number;

  @Field(() => BigMoney, {
    description:
      'What the events moved: for PAYMENT_REFUNDED the refunds’ own amounts (a partial refund counts what it ' +
      'returned), for every other type the payments’ amounts without tips',
  })
  amount!: BigMoney;
}

@ObjectType({
  description:
    'A snapshot of payment activity to start a dashboard from, and the cursor its paymentEvents stream continues ' +
    'from: the totals include every event up to asOfCursor and none after it',
})
export class PaymentActivity {
  @Field({
    description:
      'Subscribe to paymentEvents(after: asOfCursor) to receive exactly the events the totals do not include: none ' +
      'missed, none counted twice',
  })
  asOfCursor!: string;

  @Field(() => [PaymentActivityTotal], {
    description: 'One total per location, currency and event type that had events in the window',
  })
  totals!: PaymentActivityTotal[];
}

@Resolver()
export class PaymentActivityResolver {
  @Query(() => PaymentActivity, {
    description:
      'Your payment events of a time window, totalled per location, currency and type, read in one consistent ' +
      'snapshot with the cursor a paymentEvents subscription continues from (same scopes as paymentEvents)',
  })
  async paymentActivity(
    @Arg('locationIds', () => [ID], {
      nullable: true,
      description: 'Only these locations (omitted: every location you may see); other partners’ match nothing',
    })
    locationIds: string[] | null,
    @Arg('from', () => Date, { description: 'Events that occurred at or after this instant' })
    from: Date,
    @Arg('to', () => Date, {
      nullable: true,
      description:
        'Events that occurred before this instant. Omit it to pair the totals with a subscription from asOfCursor: ' +
        'with `to` in the past, events after it are neither counted nor replayed',
    })
    to: Date | null,
    @Ctx() ctx: PaymentsContext,
  ): Promise<PaymentActivity> {
    const principal = requireReader(ctx, READ_SCOPES.paymentEvents);
    const activity = await ctx.services.activity.activity(principal, {
      locationIds: locationIds?.map((id) => parseIntIdArg(id, 'locationIds')),
      from,
      to,
    });
    return {
      asOfCursor: activity.asOfCursor,
      totals: activity.totals.map((t) => ({
        location: locationRef(t.locationId),
        currency: t.currency,
        type: paymentEventTypeName(t.type),
        count: t.count,
        amount: { amountMinor: t.amountMinor, currency: t.currency },
      })),
    };
  }
}
