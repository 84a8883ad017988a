import { badInput, parseIntIdArg, READ_SCOPES, requireReader } from '@pos/kit';
import { Arg, Ctx, Field, FieldResolver, ID, Int, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { PaymentsContext } from '../../context';
import { Payment } from '../payment/payment.entity';
import { PaymentEvent } from './payment-event.entity';

@ObjectType({ description: 'The payment as the event saw it, in the transaction that wrote the event' })
class PaymentEventPayload {
  @Field(() => ID)
  paymentId!: string;

  @Field({ description: 'The payment’s status after this event (a PaymentStatus)' })
  status!: string;

  @Field(() => Int)
  amountCents!: number;

  @Field(() => Int)
  refundedCents!: number;

  @Field(() => Int)
  tipCents!: number;

  @Field()
  currency!: string;

  @Field(() => ID, { nullable: true })
  orderId!: string | null;

  @Field(() => ID, { nullable: true })
  checkId!: string | null;

  @Field()
  processor!: string;

  @Field(() => String, { nullable: true })
  processorReference!: string | null;
}

@Resolver(() => PaymentEvent)
export class PaymentEventResolver {
  @Subscription(() => PaymentEvent, {
    description: "The caller's payment events as they commit; `after` resumes from an event's cursor",
    subscribe: ({ args, context }) => {
      const ctx = context as PaymentsContext;
      const after = args.after as string | null | undefined;
      if (after != null && !/^\d{1,19}$/.test(after)) throw badInput('after must be a cursor from a PaymentEvent');
      const locationIds = (args.locationIds as string[] | null | undefined)?.map((id) =>
        parseIntIdArg(id, 'locationIds'),
      );
      return ctx.runtime.events.subscribe(requireReader(ctx, READ_SCOPES.paymentEvents), {
        types: args.types as string[] | null,
        after,
        locationIds,
      });
    },
  })
  paymentEvents(
    @Root() event: PaymentEvent,
    @Arg('types', () => [String], { nullable: true, description: 'Only these event types, e.g. payment.approved' })
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
    description: 'The event’s position in the outbox stream: increasing, in commit order (gaps are possible)',
  })
  sequence(@Root() event: PaymentEvent): string {
    return event.seq;
  }

  @FieldResolver(() => Int, { description: 'The payment’s version this event moved it to' })
  paymentVersion(@Root() event: PaymentEvent): number {
    return event.paymentVersion;
  }

  @FieldResolver(() => ID, { nullable: true })
  locationId(@Root() event: PaymentEvent): string | null {
    return event.locationId === null ? null : String(event.locationId);
  }

  @FieldResolver(() => String, { description: 'The partner the payment belongs to' })
  partnerId(@Root() event: PaymentEvent): string {
    return event.tenantId;
  }

  @FieldResolver(() => Int, { description: 'The version of the payload’s shape (1)' })
  payloadVersion(@Root() event: PaymentEvent): number {
    return event.payloadVersion;
  }

  @FieldResolver(() => PaymentEventPayload)
  payload(@Root() event: PaymentEvent): PaymentEventPayload {
    return event.payload;
  }

  @FieldResolver(() => Payment)
  async payment(@Root() event: PaymentEvent, @Ctx() ctx: PaymentsContext): Promise<Payment> {
    return event.payment ?? (await ctx.loaders.payment.load(event.paymentId))!;
  }
}
