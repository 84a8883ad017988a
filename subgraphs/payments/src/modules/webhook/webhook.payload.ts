import { UserError, type UserErrorsPayload } from '@pos/kit';
import { Field, ObjectType } from 'type-graphql';
import { WebhookDelivery, WebhookEndpoint } from './webhook.entity';

const SECRET =
  'whsec_…, the signing secret: store it now, it cannot be read again, only rotated; null when userErrors refused';

@ObjectType({ description: 'The result of createWebhookEndpoint: the endpoint and its secret, or the user errors' })
export class CreateWebhookEndpointPayload implements UserErrorsPayload {
  @Field(() => [UserError], {
    description:
      'Why the input was refused (VALIDATION, WEBHOOK_URL_NOT_ALLOWED, WEBHOOK_ENDPOINT_LIMIT, ' +
      'IDEMPOTENCY_KEY_REUSED, ...); empty when the endpoint is registered',
  })
  userErrors!: UserError[];

  @Field(() => WebhookEndpoint, {
    nullable: true,
    description: 'The endpoint registered (on a replay: as the first request answered it)',
  })
  webhookEndpoint?: WebhookEndpoint | null;

  @Field(() => String, {
    nullable: true,
    description: `${SECRET}. A replay by the same idempotency key answers the first secret again (the stored first response)`,
  })
  secret?: string | null;

  @Field({ description: 'True when this is the stored result of an earlier request with the same idempotency key' })
  idempotentReplay!: boolean;
}

@ObjectType({ description: 'The result of updateWebhookEndpoint: the endpoint as changed, or the user errors' })
export class UpdateWebhookEndpointPayload implements UserErrorsPayload {
  @Field(() => [UserError], {
    description: 'Why the input was refused (VALIDATION, WEBHOOK_URL_NOT_ALLOWED); empty when the change is made',
  })
  userErrors!: UserError[];

  @Field(() => WebhookEndpoint, { nullable: true, description: 'The endpoint as changed' })
  webhookEndpoint?: WebhookEndpoint | null;
}

@ObjectType({ description: 'The result of rotateWebhookEndpointSecret: the new secret, or the user errors' })
export class RotateWebhookEndpointSecretPayload implements UserErrorsPayload {
  @Field(() => [UserError], {
    description: 'Why the input was refused (VALIDATION of overlapSeconds); empty when the secret is replaced',
  })
  userErrors!: UserError[];

  @Field(() => WebhookEndpoint, {
    nullable: true,
    description: 'The endpoint, its previousSecretExpiresAt saying until when the old secret still signs',
  })
  webhookEndpoint?: WebhookEndpoint | null;

  @Field(() => String, { nullable: true, description: `The new ${SECRET}` })
  secret?: string | null;
}

@ObjectType({ description: 'The result of replayWebhookDelivery: the delivery queued again, or the user errors' })
export class ReplayWebhookDeliveryPayload implements UserErrorsPayload {
  @Field(() => [UserError], {
    description:
      'Why the replay was refused (WEBHOOK_DELIVERY_NOT_DEAD, WEBHOOK_ENDPOINT_DISABLED, VALIDATION); empty when ' +
      'it is queued',
  })
  userErrors!: UserError[];

  @Field(() => WebhookDelivery, {
    nullable: true,
    description: 'The delivery, PENDING again with attempts back to 0 and one more replay',
  })
  delivery?: WebhookDelivery | null;
}
