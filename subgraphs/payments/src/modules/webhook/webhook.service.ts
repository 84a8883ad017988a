import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type ConnectionArgs,
  type ConnectionPage,
  OPERATOR_SCOPES,
  PAYMENT_EVENT_TYPES,
  type Principal,
  SCOPES,
  badInput,
  conflict,
  decrypt,
  encrypt,
  entitySnapshot,
  forbidden,
  notFound,
  paginate,
  parseUuidArg,
  requireScope,
  restoreEntity,
  runIdempotent,
  textProblems,
  unprocessable,
} from '@pos/kit';
import {
  WebhookAttempt,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookEndpoint,
  WebhookEndpointDisabledReason,
  WebhookEndpointStatus,
} from './webhook.entity';
import { newWebhookSecret } from './webhook.signature';
import { resolvesToPrivate, webhookUrlProblems } from './webhook.url';

/** A partner registers at most this many endpoints: each event is one delivery per endpoint. */
export const MAX_ENDPOINTS_PER_PARTNER = 20;
/** The longest a rotated-out secret keeps signing beside the new one (Stripe allows 24 h; we allow a week). */
export const MAX_ROTATION_OVERLAP_SECONDS = 7 * 24 * 3600;
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 24 * 3600;

export interface WebhookEndpointSpec {
  url?: string | null;
  eventTypes?: string[] | null;
  description?: string | null;
  enabled?: boolean | null;
}

export interface WebhookDeliveryFilter {
  endpointId?: string | null;
  status?: WebhookDeliveryStatus | null;
}

/** An endpoint with its secret in clear: only ever returned by the call that created or rotated the secret. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  secret: string;
}

/** What a create with an idempotency key stores to replay: the endpoint as first answered, its secret sealed. */
interface StoredCreation {
  endpoint: unknown;
  secretSealed: string;
}

/**
 * Webhook endpoints of a partner, managed by its M2M clients and portal people (scope tilt/webhooks:subscribe), and the deliveries
 * made to them. Operators (scope tilt/admin:webhooks) see every partner's dead-letter queue and replay from it.
 */
export class WebhookService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: { secretKey: Buffer; allowPrivateUrls: boolean },
  ) {}

  /**
   * Registers an endpoint with a new secret. With an idempotency key, a retry (the first answer lost on the way)
   * answers the first endpoint and the first secret again instead of registering a second endpoint with a second
   * secret: the stored first response, as Stripe replays it. The secret is stored for the replay sealed, like the
   * endpoint's own, and only the caller that made the request can replay it, for as long as keys are kept.
   */
  async create(
    principal: Principal,
    spec: WebhookEndpointSpec,
    idempotencyKey?: string | null,
  ): Promise<EndpointWithSecret & { replayed: boolean }> {
    requireManager(principal);
    const problems = [
      ...webhookUrlProblems(spec.url, this.deps.allowPrivateUrls),
      ...eventTypeProblems(spec.eventTypes),
      ...textProblems(spec.description, 'description', 255),
    ];
    if (problems.length) throw badInput('Invalid webhook endpoint', problems);
    await this.assertReachable(spec.url!);
    const request = {
      url: spec.url,
      eventTypes: uniqueTypes(spec.eventTypes),
      description: spec.description ?? null,
      enabled: spec.enabled !== false,
    };
    const { result, replayed } = await runIdempotent(
      this.em,
      principal,
      { key: idempotencyKey, operation: 'createWebhookEndpoint', input: request },
      async (tx) => {
        const count = await tx.count(WebhookEndpoint, { tenantId: principal.tenantId });
        if (count >= MAX_ENDPOINTS_PER_PARTNER) {
          throw unprocessable(
            'too_many_endpoints',
            `A partner can register at most ${MAX_ENDPOINTS_PER_PARTNER} endpoints`,
          );
        }
        const secret = newWebhookSecret();
        const endpoint = new WebhookEndpoint();
        Object.assign(endpoint, {
          tenantId: principal.tenantId,
          url: request.url,
          eventTypes: request.eventTypes,
          description: request.description,
          status: request.enabled ? WebhookEndpointStatus.ENABLED : WebhookEndpointStatus.DISABLED,
          disabledReason: request.enabled ? null : WebhookEndpointDisabledReason.PARTNER,
          secretSealed: encrypt(secret, this.deps.secretKey),
          // Who: the M2M client, or the portal person by their id.
          createdBy: principal.clientId ?? principal.subject,
        });
        tx.persist(endpoint);
        await tx.flush();
        return { endpoint, secret };
      },
      {
        id: (created) => created.endpoint.id,
        snapshot: ({ endpoint }): StoredCreation => {
          // The sealed secrets stay in their own row: a rotation there must not be undone by a stale copy here.
          const {
            secretSealed: _sealed,
            previousSecretSealed: _previous,
            ...shown
          } = entitySnapshot(endpoint) as Record<string, unknown>;
          return { endpoint: shown, secretSealed: endpoint.secretSealed };
        },
        restore: (stored) => {
          const { endpoint, secretSealed } = stored as StoredCreation;
          return {
            endpoint: restoreEntity(() => new WebhookEndpoint(), endpoint, ENDPOINT_DATES),
            secret: decrypt(secretSealed, this.deps.secretKey),
          };
        },
      },
    );
    return { ...result, replayed };
  }

  list(principal: Principal, page: ConnectionArgs): Promise<ConnectionPage<WebhookEndpoint>> {
    requireManager(principal);
    return paginate(this.em, WebhookEndpoint, { tenantId: principal.tenantId }, page, { direction: 'ASC' });
  }

  async byId(principal: Principal, id: string): Promise<WebhookEndpoint> {
    requireManager(principal);
    const endpoint = await this.em.findOne(WebhookEndpoint, {
      id: parseUuidArg(id, 'id'),
      tenantId: principal.tenantId,
    });
    if (!endpoint) throw notFound('Webhook endpoint');
    return endpoint;
  }

  /** Changes what is given; enabling an endpoint that answered 410 is how its owner says it is back. */
  async update(principal: Principal, id: string, spec: WebhookEndpointSpec): Promise<WebhookEndpoint> {
    const endpoint = await this.byId(principal, id);
    const problems = [
      ...(spec.url == null ? [] : webhookUrlProblems(spec.url, this.deps.allowPrivateUrls)),
      ...(spec.eventTypes == null ? [] : eventTypeProblems(spec.eventTypes)),
      ...textProblems(spec.description, 'description', 255),
    ];
    if (problems.length) throw badInput('Invalid webhook endpoint', problems);
    if (spec.url != null) {
      await this.assertReachable(spec.url);
      endpoint.url = spec.url;
    }
    if (spec.eventTypes != null) endpoint.eventTypes = uniqueTypes(spec.eventTypes);
    if (spec.description !== undefined) endpoint.description = spec.description;
    if (spec.enabled != null) {
      endpoint.status = spec.enabled ? WebhookEndpointStatus.ENABLED : WebhookEndpointStatus.DISABLED;
      endpoint.disabledReason = spec.enabled ? null : WebhookEndpointDisabledReason.PARTNER;
    }
    endpoint.updatedAt = new Date();
    await this.em.flush();
    return endpoint;
  }

  /**
   * A new secret, shown once. The old one keeps signing beside it for `overlapSeconds` (0: it stops at once), so
   * receivers can switch without missing a delivery.
   */
  async rotateSecret(principal: Principal, id: string, overlapSeconds?: number | null): Promise<EndpointWithSecret> {
    requireManager(principal);
    const overlap = overlapSeconds ?? DEFAULT_ROTATION_OVERLAP_SECONDS;
    if (!Number.isInteger(overlap) || overlap < 0 || overlap > MAX_ROTATION_OVERLAP_SECONDS) {
      throw badInput('Invalid rotation', [`overlapSeconds: an integer from 0 to ${MAX_ROTATION_OVERLAP_SECONDS}`]);
    }
    return this.em.transactional(async (tx) => {
      const endpoint = await tx.findOne(
        WebhookEndpoint,
        { id: parseUuidArg(id, 'id'), tenantId: principal.tenantId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!endpoint) throw notFound('Webhook endpoint');
      const secret = newWebhookSecret();
      endpoint.previousSecretSealed = overlap > 0 ? endpoint.secretSealed : null;
      endpoint.previousSecretExpiresAt = overlap > 0 ? new Date(Date.now() + overlap * 1000) : null;
      endpoint.secretSealed = encrypt(secret, this.deps.secretKey);
      endpoint.updatedAt = new Date();
      await tx.flush();
      return { endpoint, secret };
    });
  }

  /** The partner's own deliveries, newest first, e.g. its dead letters (status DEAD). */
  deliveries(
    principal: Principal,
    filter: WebhookDeliveryFilter,
    page: ConnectionArgs,
  ): Promise<ConnectionPage<WebhookDelivery>> {
    requireManager(principal);
    return this.findDeliveries({ tenantId: principal.tenantId }, filter, page);
  }

  /** Every partner's dead-letter queue, or one partner's: the operators' view. */
  deadLetters(principal: Principal, partnerId: string | null, page: ConnectionArgs) {
    requireScope(principal, OPERATOR_SCOPES.webhooksAdmin);
    return this.findDeliveries(partnerId ? { tenantId: partnerId } : {}, { status: WebhookDeliveryStatus.DEAD }, page);
  }

  /**
   * Sends a dead delivery again: a new run of attempts with the same event id and body. Operators replay any
   * partner's; a partner's M2M client its own.
   */
  async replay(principal: Principal, deliveryId: string): Promise<WebhookDelivery> {
    const operator = principal.scopes.includes(OPERATOR_SCOPES.webhooksAdmin);
    if (!operator) requireManager(principal);
    const id = parseUuidArg(deliveryId, 'id');
    return this.em.transactional(async (tx) => {
      const delivery = await tx.findOne(
        WebhookDelivery,
        { id, ...(operator ? {} : { tenantId: principal.tenantId }) },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!delivery) throw notFound('Webhook delivery');
      if (delivery.status !== WebhookDeliveryStatus.DEAD) {
        throw conflict('delivery_not_dead', 'Only a delivery in the dead-letter queue can be replayed');
      }
      const endpoint = await tx.findOneOrFail(WebhookEndpoint, delivery.endpointId);
      if (endpoint.status !== WebhookEndpointStatus.ENABLED) {
        throw conflict('endpoint_disabled', 'The endpoint is disabled; enable it before replaying its deliveries');
      }
      Object.assign(delivery, {
        status: WebhookDeliveryStatus.PENDING,
        attempts: 0,
        nextAttemptAt: new Date(),
        replays: delivery.replays + 1,
      });
      await tx.flush();
      return delivery;
    });
  }

  /** The attempts of deliveries the caller was allowed to read. */
  attemptsOf(deliveryIds: readonly string[]): Promise<WebhookAttempt[]> {
    return this.em.find(
      WebhookAttempt,
      { deliveryId: { $in: [...deliveryIds] } },
      { orderBy: { attemptedAt: 'asc', id: 'asc' } },
    );
  }

  private findDeliveries(
    scope: { tenantId?: string },
    filter: WebhookDeliveryFilter,
    page: ConnectionArgs,
  ): Promise<ConnectionPage<WebhookDelivery>> {
    const where = {
      ...scope,
      ...(filter.endpointId ? { endpointId: parseUuidArg(filter.endpointId, 'endpointId') } : {}),
      ...(filter.status ? { status: filter.status } : {}),
    };
    return paginate(this.em, WebhookDelivery, where, page);
  }

  /** In production a name that resolves into our network is refused now, not only at delivery. */
  private async assertReachable(url: string): Promise<void> {
    if (this.deps.allowPrivateUrls) return;
    if (await resolvesToPrivate(new URL(url).hostname)) {
      throw unprocessable('url_not_allowed', 'The URL points at a private or loopback address', [
        'url: must be publicly reachable',
      ]);
    }
  }
}

/**
 * Endpoints are managed by a partner's integrations and the people who run them: its M2M clients and its portal
 * people (admins, developers) holding tilt/webhooks:subscribe; never by POS users at a till.
 */
function requireManager(principal: Principal): void {
  requireScope(principal, SCOPES.webhooksSubscribe);
  if (principal.kind !== 'm2m' && principal.kind !== 'person') {
    throw forbidden('Webhook endpoints are managed by M2M clients and the partner’s portal people');
  }
}

function eventTypeProblems(types: unknown): string[] {
  if (types == null) return [];
  if (!Array.isArray(types)) return ['eventTypes: must be a list'];
  const unknown = types.filter((t) => !PAYMENT_EVENT_TYPES.includes(t as never));
  return unknown.length ? [`eventTypes: unknown ${unknown.join(', ')}; one of ${PAYMENT_EVENT_TYPES.join(', ')}`] : [];
}

const ENDPOINT_DATES = ['createdAt', 'updatedAt', 'previousSecretExpiresAt'] as const;

const uniqueTypes = (types: string[] | null | undefined) => [...new Set(types ?? [])].sort();
