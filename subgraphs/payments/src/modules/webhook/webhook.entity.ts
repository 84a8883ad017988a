import { randomUUID } from 'node:crypto';
import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Connection } from '@pos/kit';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum WebhookEndpointStatus {
  ENABLED = 'ENABLED',
  DISABLED = 'DISABLED',
}
registerEnumType(WebhookEndpointStatus, {
  name: 'WebhookEndpointStatus',
  description: 'Whether an endpoint receives deliveries now',
  valuesConfig: {
    ENABLED: { description: 'Receives deliveries' },
    DISABLED: { description: 'Receives nothing; its pending deliveries wait until it is enabled again' },
  },
});

/** Why an endpoint is disabled; the database (and REST's `disabled_reason`) keep the lower-case value. */
export enum WebhookEndpointDisabledReason {
  PARTNER = 'partner',
  GONE = 'gone',
}
registerEnumType(WebhookEndpointDisabledReason, {
  name: 'WebhookEndpointDisabledReason',
  description: 'Why a webhook endpoint receives nothing, and so what re-enables it',
  valuesConfig: {
    PARTNER: {
      description:
        'Its owner disabled it (updateWebhookEndpoint with enabled: false, or registered it disabled): enabling it ' +
        'resumes deliveries',
    },
    GONE: {
      description:
        'It answered 410 Gone, so deliveries stopped and went to the dead-letter queue: once the receiver is back, ' +
        'enable it with updateWebhookEndpoint and replay the dead deliveries',
    },
  },
});

/** A partner's URL that receives payment events, signed with the endpoint's own secret. */
@ObjectType({
  description:
    'A partner’s URL that receives its payment events as signed POSTs (Standard Webhooks); managed by its M2M clients and portal people',
})
@Entity({ tableName: 'webhook_endpoint' })
export class WebhookEndpoint {
  @Field(() => ID, { description: 'The endpoint’s id (a UUID): what updateWebhookEndpoint and its deliveries name' })
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ length: 64, index: true })
  tenantId!: string;

  @Field({ description: 'Where deliveries are POSTed: an absolute https URL (http only in development)' })
  @Property({ length: 2048 })
  url!: string;

  @Field(() => String, { nullable: true, description: 'The partner’s own note about the endpoint; null when none' })
  @Property({ length: 255, nullable: true })
  description: string | null = null;

  /** The dotted spelling (`payment.approved`), as webhook bodies carry it; the graph shows PaymentEventType. */
  @Property({ type: 'json' })
  eventTypes: string[] = [];

  @Field(() => WebhookEndpointStatus, { description: 'Whether it receives deliveries now; see disabledReason' })
  @Property({ type: 'string', length: 16 })
  status: WebhookEndpointStatus = WebhookEndpointStatus.ENABLED;

  @Field(() => WebhookEndpointDisabledReason, {
    nullable: true,
    description: 'Why the endpoint is disabled (and so what re-enables it); null while it is enabled',
  })
  @Property({ type: 'string', length: 32, nullable: true })
  disabledReason: WebhookEndpointDisabledReason | null = null;

  /** The signing secret, sealed with a key derived from KEY_ENCRYPTION_KEY; never readable through the API. */
  @Property({ type: 'text' })
  secretSealed!: string;

  /** The secret a rotation replaced: it still signs, beside the new one, until `previousSecretExpiresAt`. */
  @Property({ type: 'text', nullable: true })
  previousSecretSealed: string | null = null;

  @Field(() => Date, {
    nullable: true,
    description: 'Until then deliveries carry a second signature, made with the secret the last rotation replaced',
  })
  @Property({ type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null = null;

  /** The client that registered it, for the audit trail. */
  @Property({ length: 128 })
  createdBy!: string;

  @Field({ description: 'When the endpoint was registered' })
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Field({ description: 'When its URL, event types, description, state or secret last changed' })
  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  DEAD = 'DEAD',
}
registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'Where a delivery stands: waiting, delivered, or dead (in the dead-letter queue)',
  valuesConfig: {
    PENDING: { description: 'Waiting for its next attempt' },
    DELIVERED: { description: 'The endpoint answered 2xx' },
    DEAD: { description: 'In the dead-letter queue: every attempt failed (or the endpoint is gone); replayable' },
  },
});

/**
 * One event for one endpoint: written in the transaction that writes the event (so none is lost and none exists
 * for a rolled-back payment), then claimed by a delivery worker. `nextAttemptAt` doubles as the lease: a claim moves
 * it past the attempt's time-out, so the delivery of a worker that died mid-attempt becomes due again by itself.
 */
@ObjectType({
  description:
    'One payment event sent to one endpoint: its state, the attempts made (up to 5 per run) and their outcomes',
})
@Entity({ tableName: 'webhook_delivery' })
@Unique({ properties: ['endpointId', 'eventId'] })
@Index({
  name: 'webhook_delivery_due',
  expression:
    'create index "webhook_delivery_due" on "payments"."webhook_delivery" ("next_attempt_at") where "status" = \'PENDING\'',
})
@Index({ properties: ['tenantId', 'status', 'createdAt'] })
// The keysets of the delivery lists: a partner's, one endpoint's, and the operators' dead letters of every partner.
@Index({ properties: ['tenantId', 'createdAt', 'id'] })
@Index({ properties: ['endpointId', 'createdAt', 'id'] })
@Index({ properties: ['status', 'createdAt', 'id'] })
export class WebhookDelivery {
  @Field(() => ID, {
    description: 'The delivery’s id (a UUID), sent as X-Tilt-Delivery-Id; replayWebhookDelivery takes it',
  })
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Field(() => ID, { description: 'The partner (tenant) the event belongs to' })
  @Property({ length: 64 })
  tenantId!: string;

  @Field(() => ID, { description: 'The id of the endpoint it is sent to' })
  @Property({ type: 'uuid' })
  endpointId!: string;

  @Field(() => ID, { description: 'The event’s stable id (X-Tilt-Event-Id): the same on every attempt and replay' })
  @Property({ type: 'uuid' })
  eventId!: string;

  /** The outbox row the body is built from. */
  @Property({ type: 'bigint' })
  eventSeq!: string;

  /** The dotted spelling (`payment.approved`), as the body carries it; the graph shows PaymentEventType. */
  @Property({ length: 64 })
  eventType!: string;

  @Field(() => WebhookDeliveryStatus, { description: 'Waiting, delivered, or dead (replayable)' })
  @Property({ type: 'string', length: 16 })
  status: WebhookDeliveryStatus = WebhookDeliveryStatus.PENDING;

  @Field(() => Int, { description: 'Attempts made so far (at most 5 per run; a replay starts a new run)' })
  @Property({ type: 'integer' })
  attempts: number = 0;

  @Field({ description: 'When the next attempt is due (while pending)' })
  @Property({ type: 'timestamptz' })
  nextAttemptAt: Date = new Date();

  @Field(() => Date, { nullable: true, description: 'When the last attempt was made; null before the first' })
  @Property({ type: 'timestamptz', nullable: true })
  lastAttemptAt: Date | null = null;

  @Field(() => Int, { nullable: true, description: 'The HTTP status of the last attempt, if one came back' })
  @Property({ type: 'integer', nullable: true })
  lastStatusCode: number | null = null;

  @Field(() => String, {
    nullable: true,
    description: 'Why the last attempt failed: timeout, connection_error, http_503…',
  })
  @Property({ length: 64, nullable: true })
  lastError: string | null = null;

  @Field(() => Date, { nullable: true, description: 'When the endpoint answered 2xx; null until it has' })
  @Property({ type: 'timestamptz', nullable: true })
  deliveredAt: Date | null = null;

  @Field(() => Int, { description: 'How many times it was replayed from the dead-letter queue' })
  @Property({ type: 'integer' })
  replays: number = 0;

  @Field({ description: 'When the event was queued for the endpoint' })
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

/** Every attempt of a delivery, for the partner's and the operator's view of what happened. */
@ObjectType({ description: 'One attempt of a delivery: what the endpoint answered, or why no answer came' })
@Entity({ tableName: 'webhook_attempt' })
@Index({ properties: ['deliveryId', 'attemptedAt'] })
export class WebhookAttempt {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'uuid' })
  deliveryId!: string;

  @Field(() => Int, { description: '1 for the first attempt of a run; a replay starts a new run' })
  @Property({ type: 'integer' })
  attempt!: number;

  @Field(() => Int, { nullable: true, description: 'The HTTP status the endpoint answered; null when none came' })
  @Property({ type: 'integer', nullable: true })
  statusCode: number | null = null;

  @Field(() => String, {
    nullable: true,
    description: 'Why the attempt failed: timeout, connection_error, http_503…; null when it succeeded',
  })
  @Property({ length: 64, nullable: true })
  error: string | null = null;

  @Field(() => Int, { description: 'How long the attempt took, in milliseconds' })
  @Property({ type: 'integer' })
  durationMs!: number;

  @Field({ description: 'When the attempt started' })
  @Property({ type: 'timestamptz' })
  attemptedAt: Date = new Date();
}

@ObjectType({ description: 'A page of a partner’s webhook endpoints, oldest first' })
export class WebhookEndpointConnection extends Connection(WebhookEndpoint, 'webhook endpoints') {}

@ObjectType({ description: 'A page of webhook deliveries, newest first' })
export class WebhookDeliveryConnection extends Connection(WebhookDelivery, 'webhook deliveries') {}
