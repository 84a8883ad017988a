import {
  ConnectionArgs,
  type ConnectionPage,
  emptyConnection,
  isUuid,
  pageRequest,
  parseIntId,
  paymentEventTypeName,
  parseUuidArg,
  requirePrincipal,
  READ_SCOPES,
  requireReader,
  userErrorPayload,
  userErrorsOf,
} from '@pos/kit';
import { Money, money } from '@pos/kit/currency';
import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { PaymentsContext } from '../../context';
import { CheckRef } from '../check/check.type';
import { LocationRef, locationRef } from '../location/location.type';
import { OrderRef } from '../order/order.type';
import { PaymentProcessor, paymentProcessorOf } from '../payment-event/payment-event.enums';
import { Refund, RefundConnection } from '../refund/refund.entity';
import { PaymentCard } from './payment-card.entity';
import { Payment, PaymentConnection } from './payment.entity';
import {
  CloseBatchInput,
  CreatePaymentInput,
  PaymentArgs,
  PaymentListArgs,
  RefundPaymentInput,
  ReversePaymentInput,
  SandboxProcessorOutcomeInput,
  VoidPaymentInput,
} from './payment.inputs';
import {
  CloseBatchPayload,
  CreatePaymentPayload,
  RefundPaymentPayload,
  ReversePaymentPayload,
  SandboxProcessorOutcomePayload,
  VoidPaymentPayload,
} from './payment.payload';
import { declineOf } from './payment.errors';
import { refundableCents } from './payment.state';

@Resolver(() => Payment)
export class PaymentResolver {
  @Query(() => Payment, {
    nullable: true,
    description: 'One of the caller’s payments; null when it does not exist or belongs to another organisation',
  })
  payment(
    @Arg('id', () => ID, { description: 'The payment’s id' }) id: string,
    @Ctx() ctx: PaymentsContext,
  ): Promise<Payment | null> {
    requireReader(ctx, READ_SCOPES.payments);
    return ctx.loaders.payment.load(parseUuidArg(id, 'id'));
  }

  @Query(() => PaymentConnection, {
    description:
      'The caller’s payments (a POS user’s: at its own locations), newest first unless orderBy says otherwise, a page at a time',
  })
  payments(@Args() args: PaymentArgs, @Ctx() ctx: PaymentsContext): Promise<ConnectionPage<Payment>> {
    const principal = requireReader(ctx, READ_SCOPES.payments);
    return ctx.services.payments.list(principal, args.filter ?? null, args.orderBy ?? null, args);
  }

  @Mutation(() => CreatePaymentPayload, {
    nullable: true,
    description:
      'Takes a card payment on an order, at most what it still owes (scope tilt/pos:payments). A declined card ' +
      'answers the DECLINED payment beside a PAYMENT_DECLINED user error. Refusals are `userErrors`: ' +
      'AMOUNT_EXCEEDS_DUE, CURRENCY_MISMATCH, VALIDATION, IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY_IN_USE; an order ' +
      'that is not the caller’s is a top-level NOT_FOUND, a processor that does not answer UNAVAILABLE (the ' +
      'payment is cancelled, nothing charged)',
  })
  async createPayment(
    @Arg('input', { description: 'The payment, and the idempotency key that makes a retry safe' })
    input: CreatePaymentInput,
    @Ctx() ctx: PaymentsContext,
  ) {
    const { idempotencyKey, ...payment } = input;
    const answer = await userErrorPayload(
      async () => {
        const created = await ctx.services.payments.create(requirePrincipal(ctx), payment, idempotencyKey);
        return { payment: created.payment, idempotentReplay: created.replayed };
      },
      () => ({ idempotentReplay: false }),
    );
    const declined = answer.payment ? declineOf(answer.payment) : null;
    return declined ? { ...answer, userErrors: userErrorsOf(declined) ?? [] } : answer;
  }

  @Mutation(() => VoidPaymentPayload, {
    nullable: true,
    description:
      'Voids an approved payment before its batch closes (scope tilt/pos:refunds). Refusals are `userErrors`: ' +
      'PAYMENT_SETTLED (refund it instead), PAYMENT_HAS_REFUNDS, INVALID_STATE_TRANSITION, REVERSAL_PENDING, ' +
      'PAYMENT_BUSY, PAYMENT_EXTERNAL, VALIDATION, IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY_IN_USE; a payment that is ' +
      'not the caller’s (or not of `orderId`) is a top-level NOT_FOUND, a processor that does not answer UNAVAILABLE',
  })
  voidPayment(
    @Arg('input', { description: 'The payment, and the idempotency key that makes a retry safe' })
    input: VoidPaymentInput,
    @Ctx() ctx: PaymentsContext,
  ) {
    const { idempotencyKey, ...ids } = input;
    return userErrorPayload(
      async () => {
        const { payment, replayed } = await ctx.services.payments.void(requirePrincipal(ctx), ids, idempotencyKey);
        return { payment, idempotentReplay: replayed };
      },
      () => ({ idempotentReplay: false }),
    );
  }

  @Mutation(() => ReversePaymentPayload, {
    nullable: true,
    description:
      'Asks the processor to reverse an approved or partly refunded payment: void it if not yet settled, else refund ' +
      'the rest of the amount. Answers at once with reversalRequestedAt set; the outcome arrives later as ' +
      'payment.reversal_settled (status REVERSED) or payment.reversal_failed. Meanwhile voids and refunds answer ' +
      'REVERSAL_PENDING (scope tilt/pos:refunds). Refusals are `userErrors`: REVERSAL_PENDING, PAYMENT_BUSY, ' +
      'INVALID_STATE_TRANSITION, PAYMENT_EXTERNAL, VALIDATION, IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY_IN_USE; a ' +
      'payment that is not the caller’s is a top-level NOT_FOUND, a processor that does not answer UNAVAILABLE',
  })
  reversePayment(
    @Arg('input', { description: 'The payment, and the idempotency key that makes a retry safe' })
    input: ReversePaymentInput,
    @Ctx() ctx: PaymentsContext,
  ) {
    const { idempotencyKey, ...ids } = input;
    return userErrorPayload(
      async () => {
        const { payment, replayed } = await ctx.services.payments.reverse(requirePrincipal(ctx), ids, idempotencyKey);
        return { payment, idempotentReplay: replayed };
      },
      () => ({ idempotentReplay: false }),
    );
  }

  @Mutation(() => SandboxProcessorOutcomePayload, {
    nullable: true,
    description:
      'Sandbox only (no VALOR_API_URL): applies an outcome the processor would report later to one of your ' +
      'payments, with its event, so expiry and reversal outcomes can be tested (scope tilt/pos:payments). With a ' +
      'real processor: a top-level FORBIDDEN sandbox_only. Refusals are `userErrors`: INVALID_STATE_TRANSITION (a ' +
      'move the state machine refuses; nothing is written), VALIDATION; a payment that is not the caller’s is a ' +
      'top-level NOT_FOUND',
  })
  sandboxProcessorOutcome(
    @Arg('input', { description: 'The payment and the outcome to apply to it' }) input: SandboxProcessorOutcomeInput,
    @Ctx() ctx: PaymentsContext,
  ) {
    return userErrorPayload(async () => {
      const { payment, eventType } = await ctx.services.payments.sandboxOutcome(requirePrincipal(ctx), input);
      return { payment, eventType: paymentEventTypeName(eventType) };
    });
  }

  @Mutation(() => RefundPaymentPayload, {
    nullable: true,
    description:
      'Refunds part or all of an approved payment; its refunds together never exceed what was paid (scope ' +
      'tilt/pos:refunds). Refusals are `userErrors`: REFUND_EXCEEDS_REFUNDABLE, PAYMENT_NOT_REFUNDABLE, ' +
      'REVERSAL_PENDING, PAYMENT_BUSY, PAYMENT_EXTERNAL, VALIDATION, IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY_IN_USE; ' +
      'a payment that is not the caller’s is a top-level NOT_FOUND, a processor that does not answer UNAVAILABLE ' +
      '(the refund stays pending: retry with the same key)',
  })
  refundPayment(
    @Arg('input', { description: 'The refund, and the idempotency key that makes a retry safe' })
    input: RefundPaymentInput,
    @Ctx() ctx: PaymentsContext,
  ) {
    const { idempotencyKey, ...refund } = input;
    return userErrorPayload(
      async () => {
        const result = await ctx.services.refunds.refund(requirePrincipal(ctx), refund, idempotencyKey);
        return { refund: result.refund, payment: result.payment, idempotentReplay: result.replayed };
      },
      () => ({ idempotentReplay: false }),
    );
  }

  @Mutation(() => CloseBatchPayload, {
    nullable: true,
    description:
      'Closes the location’s batch: its approved payments settle and can no longer be voided, only refunded ' +
      '(scope tilt/pos:payments). Refusals are `userErrors`: VALIDATION, IDEMPOTENCY_KEY_REUSED, ' +
      'IDEMPOTENCY_KEY_IN_USE; a location that is not the caller’s is a top-level NOT_FOUND, a processor that does ' +
      'not answer UNAVAILABLE (nothing settled: close again)',
  })
  closeBatch(
    @Arg('input', { description: 'The location, and the idempotency key that makes a retry safe' })
    input: CloseBatchInput,
    @Ctx() ctx: PaymentsContext,
  ) {
    return userErrorPayload(
      async () => {
        const closed = await ctx.services.settlement.closeBatch(
          requirePrincipal(ctx),
          input.locationId,
          input.idempotencyKey,
        );
        return { settledCount: closed.settledCount, idempotentReplay: closed.replayed };
      },
      () => ({ idempotentReplay: false }),
    );
  }

  @FieldResolver(() => PaymentProcessor, {
    description: 'The processor that handled the payment; EXTERNAL for a sale registered by a mobile provider',
  })
  processor(@Root() payment: Payment): PaymentProcessor {
    return paymentProcessorOf(payment.processor);
  }

  @FieldResolver(() => Money, { description: 'The amount taken, without the tip' })
  amount(@Root() payment: Payment): Money {
    return money(payment.amountCents, payment.currency);
  }

  @FieldResolver(() => Money, { description: 'Refunded so far, every refund of the payment included' })
  refunded(@Root() payment: Payment): Money {
    return money(payment.refundedCents, payment.currency);
  }

  @FieldResolver(() => Money, { description: 'Tip on top of the amount; not part of what is owed' })
  tip(@Root() payment: Payment): Money {
    return money(payment.tipCents, payment.currency);
  }

  @FieldResolver(() => Money, { description: 'What can still be refunded' })
  refundable(@Root() payment: Payment): Money {
    return money(refundableCents(payment), payment.currency);
  }

  @FieldResolver(() => Int, {
    description: 'What can still be refunded, in minor units of `currency`',
    deprecationReason: 'Read refundable { amountMinor currency }.',
  })
  refundableCents(@Root() payment: Payment): number {
    return refundableCents(payment);
  }

  @FieldResolver(() => RefundConnection, { description: 'The payment’s refunds, oldest first, a page at a time' })
  refunds(
    @Root() payment: Payment,
    @Args() page: ConnectionArgs,
    @Ctx() ctx: PaymentsContext,
  ): Promise<ConnectionPage<Refund>> {
    return ctx.loaders.refundPages(null, pageRequest(page)).load(payment.id);
  }

  @FieldResolver(() => PaymentCard, {
    nullable: true,
    description: 'The card of a payment registered on a check (never its processor token)',
  })
  card(@Root() payment: Payment, @Ctx() ctx: PaymentsContext): Promise<PaymentCard | null> {
    return ctx.loaders.cardByPayment.load(payment.id);
  }

  @FieldResolver(() => LocationRef, { description: 'The location of the order or check the payment was taken for' })
  location(@Root() payment: Payment): LocationRef {
    // Every way of taking a payment records its location; a payment without one is a broken ledger row.
    if (payment.locationId === null) throw new Error(`payment ${payment.id} has no location`);
    return locationRef(payment.locationId);
  }

  @FieldResolver(() => OrderRef, { nullable: true, description: 'The order paid; null for a payment on a check' })
  order(@Root() payment: Payment): OrderRef | null {
    return payment.orderId ? { id: payment.orderId } : null;
  }

  @FieldResolver(() => CheckRef, {
    nullable: true,
    description: 'The check paid (a mobile provider’s payment); null for a payment on an order',
  })
  check(@Root() payment: Payment): CheckRef | null {
    return payment.checkId ? { id: payment.checkId } : null;
  }
}

@Resolver(() => OrderRef)
export class OrderPaymentsResolver {
  @FieldResolver(() => PaymentConnection, {
    description: 'The caller’s payments of this order, oldest first unless orderBy says otherwise, a page at a time',
  })
  payments(
    @Root() order: OrderRef,
    @Args() args: PaymentListArgs,
    @Ctx() ctx: PaymentsContext,
  ): Promise<ConnectionPage<Payment>> {
    const page = pageRequest(args);
    // A malformed id matches nothing; sent to PostgreSQL it would fail every Order of the batch (uuid cast).
    if (!isUuid(order.id)) return Promise.resolve(emptyConnection(args));
    return ctx.loaders.paymentPagesByOrder(listQuery(args), page).load(order.id.toLowerCase());
  }
}

/** What a parent's payments list is narrowed and ordered by, as its loader keys it. */
export const listQuery = (args: PaymentListArgs) => ({ filter: args.filter ?? null, orderBy: args.orderBy ?? null });

@Resolver(() => LocationRef)
export class LocationPaymentsResolver {
  @FieldResolver(() => PaymentConnection, {
    description:
      'The caller’s payments taken at this location, oldest first unless orderBy says otherwise, a page at a time',
  })
  payments(
    @Root() location: LocationRef,
    @Args() args: PaymentListArgs,
    @Ctx() ctx: PaymentsContext,
  ): Promise<ConnectionPage<Payment>> {
    const page = pageRequest(args);
    // The guard of Query.payments, as an empty list: the Location itself is the orders subgraph's to show.
    const principal = ctx.principal;
    const id = parseIntId(location.id);
    if (!principal || !READ_SCOPES.payments.some((scope) => principal.scopes.includes(scope)) || id === null) {
      return Promise.resolve(emptyConnection(args));
    }
    return ctx.loaders.paymentPagesByLocation(listQuery(args), page).load(id);
  }
}

@Resolver(() => Refund)
export class RefundResolver {
  @FieldResolver(() => Money, { description: 'The amount returned by this refund' })
  amount(@Root() refund: Refund): Money {
    return money(refund.amountCents, refund.currency);
  }

  @FieldResolver(() => Payment, { description: 'The payment this refund returns money from' })
  async payment(@Root() refund: Refund, @Ctx() ctx: PaymentsContext): Promise<Payment> {
    // A refund is only ever read through its own payment or the caller's tenant, so its payment is the caller's.
    return (await ctx.loaders.payment.load(refund.paymentId))!;
  }
}
