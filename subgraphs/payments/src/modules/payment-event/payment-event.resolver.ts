import { badInput, requirePrincipal } from '@pos/kit';
import { Arg, Ctx, FieldResolver, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { PaymentsContext } from '../../context';
import { Payment } from '../payment/payment.entity';
import { PaymentEvent } from './payment-event.entity';

@Resolver(() => PaymentEvent)
export class PaymentEventResolver {
  @Subscription(() => PaymentEvent, {
    description: "The caller's payment events as they commit; `after` resumes from an event's cursor",
    subscribe: ({ args, context }) => {
      const ctx = context as PaymentsContext;
      const after = args.after as string | null | undefined;
      if (after != null && !/^\d{1,19}$/.test(after)) throw badInput('after must be a cursor from a PaymentEvent');
      return ctx.runtime.events.subscribe(
        requirePrincipal(ctx),
        { types: args.types as string[] | null, after },
        ctx.em,
      );
    },
  })
  paymentEvents(
    @Root() event: PaymentEvent,
    @Arg('types', () => [String], { nullable: true, description: 'Only these event types, e.g. payment.approved' })
    _types?: string[] | null,
    @Arg('after', () => String, { nullable: true }) _after?: string | null,
  ): PaymentEvent {
    return event;
  }

  @FieldResolver(() => ID)
  id(@Root() event: PaymentEvent): string {
    return event.seq;
  }

  @FieldResolver(() => String, { description: 'Opaque resume cursor for paymentEvents(after:)' })
  cursor(@Root() event: PaymentEvent): string {
    return event.seq;
  }

  @FieldResolver(() => Payment)
  async payment(@Root() event: PaymentEvent, @Ctx() ctx: PaymentsContext): Promise<Payment> {
    return event.payment ?? (await ctx.loaders.payment.load(event.paymentId))!;
  }
}
