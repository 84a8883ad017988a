import {
  ConnectionArgs,
  type ConnectionPage,
  type PaymentEventTypeName,
  paymentEventTypeName,
  paymentEventTypeOf,
  requirePrincipal,
} from '@pos/kit';
import {
  Arg,
  Args,
  Ctx,
  Field,
  FieldResolver,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
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
import { DEFAULT_ROTATION_OVERLAP_SECONDS } from './webhook.service';

@InputType()
export class CreateWebhookEndpointInput {
  @Field({ description: 'Where deliveries are POSTed: https (http only for local receivers in development)' })
  url!: string;

  @Field(() => [PaymentEventType], { nullable: true, description: 'Event types to receive (default: all)' })
  eventTypes?: PaymentEventTypeName[] | null;

  @Field(() => String, { nullable: true, description: 'At most 255 characters' })
  description?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Default true' })
  enabled?: boolean | null;
}

@InputType()
export class UpdateWebhookEndpointInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => [PaymentEventType], { nullable: true, description: 'Replaces the list (empty: all types)' })
  eventTypes?: PaymentEventTypeName[] | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'false pauses deliveries (they wait); true resumes, also after the endpoint answered 410',
  })
  enabled?: boolean | null;
}

@ObjectType({ description: 'An endpoint and its signing secret: the only time the secret is shown' })
export class WebhookEndpointSecretPayload {
  @Field(() => WebhookEndpoint)
  endpoint!: WebhookEndpoint;

  @Field({ description: 'whsec_…: store it now; it cannot be read again, only rotated' })
  secret!: string;
}

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

  @Query(() => WebhookEndpoint, { nullable: true })
  webhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: PaymentsContext): Promise<WebhookEndpoint> {
    return ctx.services.webhooks.byId(requirePrincipal(ctx), id);
  }

  @Mutation(() => WebhookEndpointSecretPayload, {
    description: 'Registers an endpoint; answers its secret once (scope tilt/webhooks:subscribe, M2M clients)',
  })
  createWebhookEndpoint(
    @Arg('input') input: CreateWebhookEndpointInput,
    @Ctx() ctx: PaymentsContext,
  ): Promise<WebhookEndpointSecretPayload> {
    return ctx.services.webhooks.create(requirePrincipal(ctx), { ...input, eventTypes: dotted(input.eventTypes) });
  }

  @Mutation(() => WebhookEndpoint, { description: 'Changes an endpoint’s URL, event types, description or state' })
  updateWebhookEndpoint(
    @Arg('input') input: UpdateWebhookEndpointInput,
    @Ctx() ctx: PaymentsContext,
  ): Promise<WebhookEndpoint> {
    return ctx.services.webhooks.update(requirePrincipal(ctx), input.id, {
      ...input,
      eventTypes: dotted(input.eventTypes),
    });
  }

  @Mutation(() => WebhookEndpointSecretPayload, {
    description:
      'A new secret, shown once; the old one keeps signing beside it for overlapSeconds (default ' +
      `${DEFAULT_ROTATION_OVERLAP_SECONDS}, at most 7 days, 0 to stop it at once)`,
  })
  rotateWebhookEndpointSecret(
    @Arg('id', () => ID) id: string,
    @Arg('overlapSeconds', () => Int, { nullable: true }) overlapSeconds: number | null,
    @Ctx() ctx: PaymentsContext,
  ): Promise<WebhookEndpointSecretPayload> {
    return ctx.services.webhooks.rotateSecret(requirePrincipal(ctx), id, overlapSeconds);
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

  @Mutation(() => WebhookDelivery, {
    description:
      'Sends a dead-lettered delivery again, same event id and body, with a new run of attempts (operators: ' +
      'any partner’s, scope tilt/admin:webhooks; partners: their own, scope tilt/webhooks:subscribe)',
  })
  replayWebhookDelivery(@Arg('id', () => ID) id: string, @Ctx() ctx: PaymentsContext): Promise<WebhookDelivery> {
    return ctx.services.webhooks.replay(requirePrincipal(ctx), id);
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
