import { PAYMENT_EVENT_TYPES, requirePrincipal } from '@pos/kit';
import {
  Arg,
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
import { WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint } from './webhook.entity';
import { DEFAULT_ROTATION_OVERLAP_SECONDS } from './webhook.service';

const TYPES = `one of ${PAYMENT_EVENT_TYPES.join(', ')}`;

@InputType()
export class CreateWebhookEndpointInput {
  @Field({ description: 'Where deliveries are POSTed: https (http only for local receivers in development)' })
  url!: string;

  @Field(() => [String], { nullable: true, description: `Event types to receive (default: all); ${TYPES}` })
  eventTypes?: string[] | null;

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

  @Field(() => [String], { nullable: true, description: `Replaces the list (empty: all types); ${TYPES}` })
  eventTypes?: string[] | null;

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
  @Query(() => [WebhookEndpoint], { description: 'The partner’s webhook endpoints (scope tilt/webhooks:subscribe)' })
  webhookEndpoints(@Ctx() ctx: PaymentsContext): Promise<WebhookEndpoint[]> {
    return ctx.services.webhooks.list(requirePrincipal(ctx));
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
    return ctx.services.webhooks.create(requirePrincipal(ctx), input);
  }

  @Mutation(() => WebhookEndpoint, { description: 'Changes an endpoint’s URL, event types, description or state' })
  updateWebhookEndpoint(
    @Arg('input') input: UpdateWebhookEndpointInput,
    @Ctx() ctx: PaymentsContext,
  ): Promise<WebhookEndpoint> {
    return ctx.services.webhooks.update(requirePrincipal(ctx), input.id, input);
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

  @FieldResolver(() => [WebhookDelivery], { description: 'This endpoint’s deliveries, newest first' })
  deliveries(
    @Root() endpoint: WebhookEndpoint,
    @Arg('status', () => WebhookDeliveryStatus, { nullable: true }) status: WebhookDeliveryStatus | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Ctx() ctx: PaymentsContext,
  ): Promise<WebhookDelivery[]> {
    return ctx.services.webhooks.deliveries(requirePrincipal(ctx), { endpointId: endpoint.id, status, first });
  }
}

@Resolver(() => WebhookDelivery)
export class WebhookDeliveryResolver {
  @Query(() => [WebhookDelivery], {
    description: 'The partner’s webhook deliveries, newest first; status DEAD lists its dead-letter queue',
  })
  webhookDeliveries(
    @Arg('endpointId', () => ID, { nullable: true }) endpointId: string | null,
    @Arg('status', () => WebhookDeliveryStatus, { nullable: true }) status: WebhookDeliveryStatus | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Ctx() ctx: PaymentsContext,
  ): Promise<WebhookDelivery[]> {
    return ctx.services.webhooks.deliveries(requirePrincipal(ctx), { endpointId, status, first });
  }

  @Query(() => [WebhookDelivery], {
    description: 'Operators: the dead-letter queue of every partner, or of one (scope tilt/admin:webhooks)',
  })
  webhookDeadLetters(
    @Arg('partnerId', () => ID, { nullable: true }) partnerId: string | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Ctx() ctx: PaymentsContext,
  ): Promise<WebhookDelivery[]> {
    return ctx.services.webhooks.deadLetters(requirePrincipal(ctx), { partnerId, first });
  }

  @Mutation(() => WebhookDelivery, {
    description:
      'Sends a dead-lettered delivery again, same event id and body, with a new run of attempts (operators: ' +
      'any partner’s, scope tilt/admin:webhooks; partners: their own, scope tilt/webhooks:subscribe)',
  })
  replayWebhookDelivery(@Arg('id', () => ID) id: string, @Ctx() ctx: PaymentsContext): Promise<WebhookDelivery> {
    return ctx.services.webhooks.replay(requirePrincipal(ctx), id);
  }

  @FieldResolver(() => [WebhookAttempt], { description: 'Every attempt, oldest first' })
  attemptLog(@Root() delivery: WebhookDelivery, @Ctx() ctx: PaymentsContext): Promise<WebhookAttempt[]> {
    return ctx.loaders.webhookAttempts.load(delivery.id);
  }
}
