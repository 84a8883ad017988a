import {
  ConnectionArgs,
  type ConnectionPage,
  type PaymentEventTypeName,
  paymentEventTypeName,
  paymentEventTypeOf,
  requirePrincipal,
  userErrorPayload,
} from '@pos/kit';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { PaymentsContext } from '../../context';
import { PaymentEventType } from '../payment-event/payment-event.enums';
import {
  WebhookAttempt,
  WebhookDelivery,
  WebhookDeliveryConnection,
  WebhookDeliveryStatus,
  WebhookEndpoint,
  WebhookEndpointConnection,
} from './webhook.entity';
import {
  CreateWebhookEndpointInput,
  ReplayWebhookDeliveryInput,
  RotateWebhookEndpointSecretInput,
  UpdateWebhookEndpointInput,
} from './webhook.inputs';
import {
  CreateWebhookEndpointPayload,
  ReplayWebhookDeliveryPayload,
  RotateWebhookEndpointSecretPayload,
  UpdateWebhookEndpointPayload,
} from './webhook.payload';
import { DEFAULT_ROTATION_OVERLAP_SECONDS } from './webhook.service';

@Resolver(() => WebhookEndpoint)
export class WebhookEndpointResolver {
  @Query(() => WebhookEndpointConnection, {
    description: 'The partner’s webhook endpoints, oldest first (scope tilt/webhooks:subscribe)',
  })
  webhookEndpoints(
    @Args() page: ConnectionArgs,
    @Ctx() ctx: PaymentsContext,
  ): Promise<ConnectionPage<WebhookEndpoint>> {
    return ctx.services.webhooks.list(requirePrincipal(ctx), page);
  }

  @Query(() => WebhookEndpoint, {
    nullable: true,
    description: 'One of the partner’s webhook endpoints (its secret is never readable; scope tilt/webhooks:subscribe)',
  })
  webhookEndpoint(
    @Arg('id', () => ID, { description: 'The endpoint’s id; another partner’s is NOT_FOUND' }) id: string,
    @Ctx() ctx: PaymentsContext,
  ): Promise<WebhookEndpoint> {
    return ctx.services.webhooks.byId(requirePrincipal(ctx), id);
  }

  @Mutation(() => CreateWebhookEndpointPayload, {
    nullable: true,
    description:
      'Registers an endpoint and answers its signing secret (scope tilt/webhooks:subscribe: M2M clients and portal people). With an ' +
      'idempotencyKey a retry answers the first endpoint and secret again. Refusals are `userErrors`: VALIDATION ' +
      '(field ["input", "url"] for a URL that is not an absolute https URL), WEBHOOK_URL_NOT_ALLOWED, ' +
      'WEBHOOK_ENDPOINT_LIMIT, IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY_IN_USE; a POS user token is a ' +
      'top-level FORBIDDEN',
  })
  createWebhookEndpoint(
    @Arg('input', { description: 'The endpoint, and the idempotency key that makes a retry safe' })
    input: CreateWebhookEndpointInput,
    @Ctx() ctx: PaymentsContext,
  ) {
    const { idempotencyKey, ...spec } = input;
    return userErrorPayload(
      async () => {
        const created = await ctx.services.webhooks.create(
          requirePrincipal(ctx),
          { ...spec, eventTypes: dotted(spec.eventTypes) },
          idempotencyKey,
        );
        return { webhookEndpoint: created.endpoint, secret: created.secret, idempotentReplay: created.replayed };
      },
      () => ({ idempotentReplay: false }),
    );
  }

  @Mutation(() => UpdateWebhookEndpointPayload, {
    nullable: true,
    description:
      'Changes an endpoint’s URL, event types, description or state (scope tilt/webhooks:subscribe: M2M clients and portal people). ' +
      'Refusals are `userErrors`: VALIDATION, WEBHOOK_URL_NOT_ALLOWED; another partner’s endpoint is a top-level ' +
      'NOT_FOUND',
  })
  updateWebhookEndpoint(
    @Arg('input', { description: 'The endpoint and what to change on it' }) input: UpdateWebhookEndpointInput,
    @Ctx() ctx: PaymentsContext,
  ) {
    return userErrorPayload(async () => ({
      webhookEndpoint: await ctx.services.webhooks.update(requirePrincipal(ctx), input.id, {
        ...input,
        eventTypes: dotted(input.eventTypes),
      }),
    }));
  }

  @Mutation(() => RotateWebhookEndpointSecretPayload, {
    nullable: true,
    description:
      'A new secret, shown once; the old one keeps signing beside it for overlapSeconds (default ' +
      `${DEFAULT_ROTATION_OVERLAP_SECONDS}, at most 7 days, 0 to stop it at once). Refusals are \`userErrors\`: ` +
      'VALIDATION; another partner’s endpoint is a top-level NOT_FOUND',
  })
  rotateWebhookEndpointSecret(
    @Arg('input', { description: 'The endpoint, and how long its old secret keeps signing' })
    input: RotateWebhookEndpointSecretInput,
    @Ctx() ctx: PaymentsContext,
  ) {
    return userErrorPayload(async () => {
      const rotated = await ctx.services.webhooks.rotateSecret(requirePrincipal(ctx), input.id, input.overlapSeconds);
      return { webhookEndpoint: rotated.endpoint, secret: rotated.secret };
    });
  }

  @FieldResolver(() => [PaymentEventType], { description: 'The event types delivered; empty means every type' })
  eventTypes(@Root() endpoint: WebhookEndpoint): PaymentEventTypeName[] {
    return endpoint.eventTypes.map(paymentEventTypeName);
  }

  @FieldResolver(() => WebhookDeliveryConnection, { description: 'This endpoint’s deliveries, newest first' })
  deliveries(
    @Root() endpoint: WebhookEndpoint,
    @Arg('status', () => WebhookDeliveryStatus, {
      nullable: true,
      description: 'Only deliveries in this state (DEAD: the dead-letter queue); every state when absent',
    })
    status: WebhookDeliveryStatus | null,
    @Args() page: ConnectionArgs,
    @Ctx() ctx: PaymentsContext,
  ): Promise<ConnectionPage<WebhookDelivery>> {
    return ctx.services.webhooks.deliveries(requirePrincipal(ctx), { endpointId: endpoint.id, status }, page);
  }
}

@Resolver(() => WebhookDelivery)
export class WebhookDeliveryResolver {
  @Query(() => WebhookDeliveryConnection, {
    description: 'The partner’s webhook deliveries, newest first; status DEAD lists its dead-letter queue',
  })
  webhookDeliveries(
    @Arg('endpointId', () => ID, { nullable: true, description: 'Only the deliveries to this endpoint' })
    endpointId: string | null,
    @Arg('status', () => WebhookDeliveryStatus, {
      nullable: true,
      description: 'Only deliveries in this state (DEAD: the dead-letter queue); every state when absent',
    })
    status: WebhookDeliveryStatus | null,
    @Args() page: ConnectionArgs,
    @Ctx() ctx: PaymentsContext,
  ): Promise<ConnectionPage<WebhookDelivery>> {
    return ctx.services.webhooks.deliveries(requirePrincipal(ctx), { endpointId, status }, page);
  }

  @Query(() => WebhookDeliveryConnection, {
    description:
      'Operators: the dead-letter queue of every partner, or of one, newest first (scope tilt/admin:webhooks)',
  })
  webhookDeadLetters(
    @Arg('partnerId', () => ID, {
      nullable: true,
      description: 'Only this partner’s dead letters; every partner’s when absent',
    })
    partnerId: string | null,
    @Args() page: ConnectionArgs,
    @Ctx() ctx: PaymentsContext,
  ): Promise<ConnectionPage<WebhookDelivery>> {
    return ctx.services.webhooks.deadLetters(requirePrincipal(ctx), partnerId, page);
  }

  @Mutation(() => ReplayWebhookDeliveryPayload, {
    nullable: true,
    description:
      'Sends a dead-lettered delivery again, same event id and body, with a new run of attempts (operators: ' +
      'any partner’s, scope tilt/admin:webhooks; partners: their own, scope tilt/webhooks:subscribe). Refusals are ' +
      '`userErrors`: WEBHOOK_DELIVERY_NOT_DEAD, WEBHOOK_ENDPOINT_DISABLED, VALIDATION; a delivery the caller may ' +
      'not see is a top-level NOT_FOUND',
  })
  replayWebhookDelivery(
    @Arg('input', { description: 'The delivery to send again' }) input: ReplayWebhookDeliveryInput,
    @Ctx() ctx: PaymentsContext,
  ) {
    return userErrorPayload(async () => ({
      delivery: await ctx.services.webhooks.replay(requirePrincipal(ctx), input.id),
    }));
  }

  @FieldResolver(() => PaymentEventType, { description: 'The type of the event delivered' })
  eventType(@Root() delivery: WebhookDelivery): PaymentEventTypeName {
    return paymentEventTypeName(delivery.eventType);
  }

  @FieldResolver(() => [WebhookAttempt], { description: 'Every attempt, oldest first' })
  attemptLog(@Root() delivery: WebhookDelivery, @Ctx() ctx: PaymentsContext): Promise<WebhookAttempt[]> {
    return ctx.loaders.webhookAttempts.load(delivery.id);
  }
}

/** Endpoints store, filter and deliver the dotted spelling (`payment.approved`) that webhook bodies carry. */
const dotted = (types: PaymentEventTypeName[] | null | undefined) => types?.map(paymentEventTypeOf);
