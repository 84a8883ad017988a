import {
  badInput,
  parseIntIdArg,
  paymentEventTypeName,
  paymentEventTypeOf,
  READ_SCOPES,
  requireReader,
} from '@pos/kit';
import { Money, money } from '@pos/kit/currency';
import { Arg, Ctx, Field, FieldResolver, ID, Int, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { PaymentsContext } from '../../context';
import { LocationRef, locationRef } from '../location/location.type';
import { Payment, PaymentStatus } from '../payment/payment.entity';
import { Refund } from '../refund/refund.entity';
import { PaymentEvent, type PaymentEventPayloadV1 } from './payment-event.entity';
import { PaymentEventType, PaymentProcessor, paymentProcessorOf } from './payment-event.enums';

@ObjectType({ description: 'The payment as the event saw it, in the transaction that wrote the event' })
class PaymentEventPayload {
  @Field(() => ID, { description: 'The payment’s id (the same as payment { id })' })
  paymentId!: string;

  @Field(() => PaymentStatus, { description: 'The payment’s status after this event' })
  status!: PaymentStatus;

  @Field(() => Money, { description: 'The payment’s amount (without the tip)' })
  amount!: Money;

  @Field(() => Money, {
    description:
      'Refunded on the payment so far, this event’s refund included. To sum refunds, add up PaymentEvent.refund amounts',
  })
  refunded!: Money;

  @Field(() => Money, { description: 'The tip on top of the amount' })
  tip!: Money;

  @Field(() => Int, {
    description: 'The payment’s amount (without the tip) in minor units of `currency`',
    deprecationReason: 'Use amount { amountMinor }',
  })
  amountCents!: number;

  @Field(() => Int, {
    description: 'Refunded on the payment so far, in minor units of `currency`',
    deprecationReason: 'Use refunded { amountMinor }',
  })
  refundedCents!: number;

  @Field(() => Int, {
    description: 'The tip in minor units of `currency`',
    deprecationReason: 'Use tip { amountMinor }',
  })
  tipCents!: number;

  @Field({
    description: 'ISO 4217 code of the currency of every amount of the payload',
    deprecationReason: 'Use amount { currency }',
  })
  currency!: string;

  @Field(() => ID, { nullable: true, description: 'The order the payment is for; null for a payment on a check' })
  orderId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The check the payment is on; null for a payment on an order' })
  checkId!: string | null;

  @Field(() => PaymentProcessor, { description: 'The processor that handled the payment' })
  processor!: PaymentProcessor;

  @Field(() => String, { nullable: true, description: 'The processor’s transaction id, once it answered' })
  processorReference!: string | null;
}

@Resolver(() => PaymentEvent)
export class PaymentEventResolver {
  @Subscription(() => PaymentEvent, {
    description: "The caller's payment events as they commit; `after` resumes from an event's cursor",
    subscribe: ({ args, context }) => {
      const ctx = context as PaymentsContext;
      const {
        after,
        locationIds: locations,
        types,
      } = args as {
        after?: string | null;
        locationIds?: string[] | null;
        types?: string[] | null;
      };
      if (after != null && !/^\d{1,19}$/.test(after)) throw badInput('after must be a cursor from a PaymentEvent');
      const locationIds = locations?.map((id) => parseIntIdArg(id, 'locationIds'));
      return ctx.runtime.events.subscribe(requireReader(ctx, READ_SCOPES.paymentEvents), {
        types: types?.map(paymentEventTypeOf),
        after,
        locationIds,
      });
    },
  })
  paymentEvents(
    @Root() event: PaymentEvent,
    @Arg('types', () => [PaymentEventType], {
      nullable: true,
      description: 'Only events of these types (omitted or empty: every type)',
    })
    _types?: string[] | null,
    @Arg('after', () => String, {
      nullable: true,
      description: 'Resume after this cursor (an event’s cursor, or paymentEventsCursor): missed events come first',
    })
    _after?: string | null,
    @Arg('locationIds', () => [ID], { nullable: true, description: 'Only the events of payments at these locations' })
    _locationIds?: string[] | null,
  ): PaymentEvent {
    return event;
  }

  @Query(() => String, {
    description:
      'A cursor at your newest payment event: paymentEvents(after:) with it delivers every event committed from ' +
      'now on, so a stream can be anchored (and resumed without a gap) before its first event arrives',
  })
  paymentEventsCursor(@Ctx() ctx: PaymentsContext): Promise<string> {
    return ctx.runtime.events.headCursor(requireReader(ctx, READ_SCOPES.paymentEvents));
  }

  @FieldResolver(() => ID, { description: 'The event’s stable id: the same on every delivery (deduplicate by it)' })
  id(@Root() event: PaymentEvent): string {
    return event.eventId;
  }

  @FieldResolver(() => String, { description: 'Opaque resume cursor for paymentEvents(after:)' })
  cursor(@Root() event: PaymentEvent): string {
    return event.seq;
  }

  @FieldResolver(() => String, {
    description:
      'The event’s position among its partner’s events: increasing in the order they committed (gaps are possible)',
  })
  sequence(@Root() event: PaymentEvent): string {
    return event.seq;
  }

  @FieldResolver(() => Int, { description: 'The payment’s version this event moved it to' })
  paymentVersion(@Root() event: PaymentEvent): number {
    return event.paymentVersion;
  }

  @FieldResolver(() => ID, {
    nullable: true,
    description: 'The id of the payment’s location',
    deprecationReason: 'Use location { id }',
  })
  locationId(@Root() event: PaymentEvent): string | null {
    return event.locationId === null ? null : String(event.locationId);
  }

  @FieldResolver(() => LocationRef, {
    description: 'The location of the payment (its name and the rest come from the orders subgraph)',
  })
  location(@Root() event: PaymentEvent): LocationRef {
    // Every payment records its location, and its events copy it: an event without one is a broken outbox row.
    if (event.locationId === null) throw new Error(`payment event ${event.eventId} has no location`);
    return locationRef(event.locationId);
  }

  @FieldResolver(() => Refund, {
    nullable: true,
    description:
      'On PAYMENT_REFUNDED: the refund that made this event, with its own amount (a partial refund’s amount, not ' +
      'the payment’s), so refunds can be summed; null on other event types',
  })
  async refund(@Root() event: PaymentEvent, @Ctx() ctx: PaymentsContext): Promise<Refund | null> {
    const refundId = event.payload.refund?.id;
    if (!refundId) return null;
    const refunds = await ctx.loaders.refundsByPayment.load(event.paymentId);
    return refunds.find((r) => r.id === refundId) ?? null;
  }

  @FieldResolver(() => String, { description: 'The partner the payment belongs to' })
  partnerId(@Root() event: PaymentEvent): string {
    return event.tenantId;
  }

  @FieldResolver(() => Int, { description: 'The version of the payload’s shape (1)' })
  payloadVersion(@Root() event: PaymentEvent): number {
    return event.payloadVersion;
  }

  @FieldResolver(() => PaymentEventType, { description: 'What happened to the payment' })
  type(@Root() event: PaymentEvent): string {
    return paymentEventTypeName(event.type);
  }

  @FieldResolver(() => PaymentEventPayload, {
    description: 'The payment as it was when the event was written (later changes do not alter it)',
  })
  payload(@Root() event: PaymentEvent): PaymentEventPayload {
    return eventPayload(event.payload);
  }

  @FieldResolver(() => Payment, { description: 'The payment as it is now (the event’s payload: as the event left it)' })
  async payment(@Root() event: PaymentEvent, @Ctx() ctx: PaymentsContext): Promise<Payment> {
    return event.payment ?? (await ctx.loaders.payment.load(event.paymentId))!;
  }
}

/** The stored payload in the graph's shape: its closed sets as enums. */
const eventPayload = (p: PaymentEventPayloadV1): PaymentEventPayload => ({
  ...p,
  amount: money(p.amountCents, p.currency),
  refunded: money(p.refundedCents, p.currency),
  tip: money(p.tipCents, p.currency),
  status: p.status as PaymentStatus,
  processor: paymentProcessorOf(p.processor),
});
