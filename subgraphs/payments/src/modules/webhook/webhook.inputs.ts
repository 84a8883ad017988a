import { IDEMPOTENCY_KEY_ARG, type PaymentEventTypeName } from '@pos/kit';
import { Field, ID, InputType, Int } from 'type-graphql';
import { PaymentEventType } from '../payment-event/payment-event.enums';
import { DEFAULT_ROTATION_OVERLAP_SECONDS, MAX_ROTATION_OVERLAP_SECONDS } from './webhook.service';

@InputType({
  description: 'A URL to receive the partner’s payment events, and the idempotency key that makes a retry safe',
})
export class CreateWebhookEndpointInput {
  @Field({ description: 'Where deliveries are POSTed: https (http only for local receivers in development)' })
  url!: string;

  @Field(() => [PaymentEventType], { nullable: true, description: 'Event types to receive (default: all)' })
  eventTypes?: PaymentEventTypeName[] | null;

  @Field(() => String, { nullable: true, description: 'A note for the partner’s own use, at most 255 characters' })
  description?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Default true; false registers it paused' })
  enabled?: boolean | null;

  @Field(() => String, {
    ...IDEMPOTENCY_KEY_ARG,
    description:
      `${IDEMPOTENCY_KEY_ARG.description}: a retried create answers the first endpoint and its secret again ` +
      'instead of registering a second one',
  })
  idempotencyKey?: string | null;
}

@InputType({ description: 'What to change on one of the partner’s endpoints; what is absent stays as it is' })
export class UpdateWebhookEndpointInput {
  @Field(() => ID, { description: 'The endpoint to change: one of the partner’s' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'A new URL, under the same rules as createWebhookEndpoint’s' })
  url?: string | null;

  @Field(() => [PaymentEventType], { nullable: true, description: 'Replaces the list (empty: all types)' })
  eventTypes?: PaymentEventTypeName[] | null;

  @Field(() => String, { nullable: true, description: 'A new note, at most 255 characters; null clears it' })
  description?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'false pauses deliveries (they wait); true resumes, also after the endpoint answered 410',
  })
  enabled?: boolean | null;
}

@InputType({ description: 'The endpoint whose signing secret to replace, and how long the old one keeps signing' })
export class RotateWebhookEndpointSecretInput {
  @Field(() => ID, { description: 'The endpoint: one of the partner’s' })
  id!: string;

  @Field(() => Int, {
    nullable: true,
    description:
      `Seconds the old secret keeps signing beside the new one: default ${DEFAULT_ROTATION_OVERLAP_SECONDS}, at ` +
      `most ${MAX_ROTATION_OVERLAP_SECONDS} (7 days), 0 stops it at once`,
  })
  overlapSeconds?: number | null;
}

@InputType({ description: 'A dead-lettered delivery to send again' })
export class ReplayWebhookDeliveryInput {
  @Field(() => ID, {
    description: 'The delivery (status DEAD): the partner’s own, or, for operators, any partner’s',
  })
  id!: string;
}
