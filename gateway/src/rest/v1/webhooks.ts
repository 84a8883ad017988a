import { PAYMENT_EVENT_TYPES, SCOPES, paymentEventTypeName, paymentEventTypeOf } from '@pos/kit';
import { z } from 'zod';
import { type PagedConnection, defineRoute } from '../route';
import { noQuery, timestamp, uuidId } from '../common';
import { USER_ERROR_FIELDS } from '../errors';

/**
 * Webhook endpoint management (partner API v1): register, list, read, change, rotate the secret, read the
 * deliveries (the dead-letter queue among them) and replay a dead one. Each route runs one operation of the
 * payments subgraph, which owns every rule (URL checks, the SSRF guard, the overlap window, who may replay what).
 */

/** The payments subgraph's limits, repeated here for the schema (the service checks them again). */
const MAX_OVERLAP_SECONDS = 7 * 24 * 3600;
const DEFAULT_OVERLAP_SECONDS = 24 * 3600;
const MAX_DELIVERY_PAGE = 200;
const DEFAULT_DELIVERY_PAGE = 50;

const WHO = `M2M client tokens only (scope \`tilt/webhooks:subscribe\`): a POS user token is refused (403). Another
partner's ids answer 404.`;

const SECRET_ONCE = `\`secret\` (\`whsec_\` and 32 random bytes in standard base64, the Standard Webhooks form) is answered by this call only: store it now.
It is kept encrypted at rest and cannot be read again, only rotated.`;

const URL_RULES = `\`url\` is where deliveries are POSTed: an absolute https URL, at most 2048 characters, without
credentials or fragment. When the server runs in production (NODE_ENV=production) plain http is refused, and so is a
URL whose host is, or resolves to, a loopback, private, link-local or otherwise reserved address (400 for an address
in the URL, 422 \`url_not_allowed\` for a name that resolves to one; checked again at every delivery). Development
allows http and local receivers.`;

const EVENT_FILTER = `\`event_types\` filters what the endpoint receives: a list of ${PAYMENT_EVENT_TYPES.map(
  (t) => `\`${t}\``,
).join(', ')}; empty or absent means every type.`;

const eventType = z.enum(PAYMENT_EVENT_TYPES as unknown as [string, ...string[]]);

const endpointSchema = z.object({
  id: z.string().describe('Endpoint id (UUID)'),
  url: z.string(),
  description: z.string().nullable(),
  event_types: z.array(eventType).describe('The event types delivered; empty means every type'),
  status: z.enum(['enabled', 'disabled']),
  disabled_reason: z
    .string()
    .nullable()
    .describe('Why it is disabled: `partner` (its owner disabled it) or `gone` (it answered 410); null when enabled'),
  previous_secret_expires_at: z
    .string()
    .nullable()
    .describe('Until then deliveries carry a second signature, made with the secret the last rotation replaced'),
  created_at: timestamp(),
  updated_at: timestamp(),
});

const endpointWithSecretSchema = endpointSchema.extend({
  secret: z.string().describe('whsec_…: the signing secret, shown this once'),
});

const DELIVERY_STATUSES = ['pending', 'delivered', 'dead'] as const;

const attemptSchema = z.object({
  attempt: z.number().int().describe('1 for the first attempt of a run; a replay starts a new run'),
  status_code: z.number().int().nullable().describe('The HTTP status the endpoint answered, if it answered'),
  error: z.string().nullable().describe('Why the attempt failed: timeout, connection_error, http_503…; null if not'),
  duration_ms: z.number().int(),
  attempted_at: timestamp(),
});

const deliverySchema = z.object({
  id: z.string().describe('Delivery id (UUID), sent as X-Tilt-Delivery-Id'),
  endpoint_id: z.string(),
  event_id: z.string().describe('The event’s stable id (X-Tilt-Event-Id): the same on every attempt and replay'),
  event_type: eventType,
  status: z
    .enum(DELIVERY_STATUSES)
    .describe('pending: waiting for its next attempt; delivered: answered 2xx; dead: in the dead-letter queue'),
  attempts: z.number().int().describe('Attempts in the current run (at most 5)'),
  next_attempt_at: timestamp().describe('When the next attempt is due (while pending)'),
  last_attempt_at: timestamp().nullable(),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  delivered_at: timestamp().nullable(),
  replays: z.number().int().describe('How many times it was replayed from the dead-letter queue'),
  created_at: timestamp(),
  attempt_log: z.array(attemptSchema).describe('Every attempt, oldest first'),
});

const ENDPOINT_FIELDS = `fragment RestWebhookEndpoint on WebhookEndpoint {
  id url description eventTypes status disabledReason previousSecretExpiresAt createdAt updatedAt
}`;

const DELIVERY_FIELDS = `fragment RestWebhookDelivery on WebhookDelivery {
  id endpointId eventId eventType status attempts nextAttemptAt lastAttemptAt lastStatusCode lastError deliveredAt
  replays createdAt attemptLog { attempt statusCode error durationMs attemptedAt }
}`;

interface GqlEndpoint {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  status: string;
  /** WebhookEndpointDisabledReason (PARTNER, GONE); the REST body keeps the lower-case string. */
  disabledReason: string | null;
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}
interface GqlDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  nextAttemptAt: string;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  replays: number;
  createdAt: string;
  attemptLog: {
    attempt: number;
    statusCode: number | null;
    error: string | null;
    durationMs: number;
    attemptedAt: string;
  }[];
}
type SecretPayload = { webhookEndpoint: GqlEndpoint; secret: string };

type RestEndpoint = z.infer<typeof endpointSchema>;
const toRestEndpoint = (e: GqlEndpoint): RestEndpoint => ({
  id: e.id,
  url: e.url,
  description: e.description,
  event_types: e.eventTypes.map(paymentEventTypeOf),
  status: e.status.toLowerCase() as RestEndpoint['status'],
  disabled_reason: e.disabledReason?.toLowerCase() ?? null,
  previous_secret_expires_at: e.previousSecretExpiresAt,
  created_at: e.createdAt,
  updated_at: e.updatedAt,
});

type RestDelivery = z.infer<typeof deliverySchema>;
const toRestDelivery = (d: GqlDelivery): RestDelivery => ({
  id: d.id,
  endpoint_id: d.endpointId,
  event_id: d.eventId,
  event_type: paymentEventTypeOf(d.eventType),
  status: d.status.toLowerCase() as RestDelivery['status'],
  attempts: d.attempts,
  next_attempt_at: d.nextAttemptAt,
  last_attempt_at: d.lastAttemptAt,
  last_status_code: d.lastStatusCode,
  last_error: d.lastError,
  delivered_at: d.deliveredAt,
  replays: d.replays,
  created_at: d.createdAt,
  attempt_log: d.attemptLog.map((a) => ({
    attempt: a.attempt,
    status_code: a.statusCode,
    error: a.error,
    duration_ms: a.durationMs,
    attempted_at: a.attemptedAt,
  })),
});

const withSecret = (payload: SecretPayload) => ({
  ...toRestEndpoint(payload.webhookEndpoint),
  secret: payload.secret,
});

const endpointPath = z.object({ id: uuidId('id') });
const url = z.string().describe('Where deliveries are POSTed (see the rules above)');
const eventTypes = z.array(eventType).describe('Event types to deliver; empty means every type');
const description = z.string().nullable().describe('A note for the partner’s own use; at most 255 characters');

const createBody = z
  .object({
    url,
    event_types: eventTypes.optional(),
    description: description.optional(),
    enabled: z.boolean().optional().describe('Default true; false registers it paused'),
  })
  .strict();

const updateBody = z
  .object({
    url: url.optional(),
    event_types: eventTypes.optional().describe('Replaces the list; empty means every type'),
    description: description.optional().describe('null clears it; at most 255 characters'),
    enabled: z
      .boolean()
      .optional()
      .describe(
        'false pauses it (new events are not queued for it; pending deliveries wait); true resumes, also after a 410',
      ),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, {
    message: 'at least one of url, event_types, description, enabled',
  })
  .meta({ minProperties: 1 });

const rotateBody = z
  .object({
    overlap_seconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_OVERLAP_SECONDS)
      .optional()
      .describe(
        `How long the old secret keeps signing beside the new one; default ${DEFAULT_OVERLAP_SECONDS}, 0 ends it now`,
      ),
  })
  .strict();

const deliveriesQuery = z
  .object({
    status: z
      .enum(DELIVERY_STATUSES)
      .optional()
      .describe('Only deliveries in this state; `dead` lists the dead-letter queue'),
    limit: z
      .string()
      .regex(/^[1-9][0-9]{0,2}$/, `limit must be an integer from 1 to ${MAX_DELIVERY_PAGE}`)
      .refine((text) => Number(text) <= MAX_DELIVERY_PAGE, `limit must be an integer from 1 to ${MAX_DELIVERY_PAGE}`)
      .optional()
      .describe(`How many, newest first: 1 to ${MAX_DELIVERY_PAGE}, default ${DEFAULT_DELIVERY_PAGE}`),
  })
  .strict();

const TAGS = ['Webhooks'];
const scope = SCOPES.webhooksSubscribe;

export const webhookRoutes = [
  defineRoute({
    method: 'post',
    path: '/pos/v1/webhook-endpoints',
    operationId: 'createWebhookEndpoint',
    summary: 'Register a webhook endpoint',
    description: `Registers a URL that receives the partner's payment events, each delivery signed with the endpoint's
secret (see the AsyncAPI document). ${SECRET_ONCE} ${URL_RULES} ${EVENT_FILTER} A partner has at most 20 endpoints (422
\`too_many_endpoints\`). ${WHO}`,
    tags: TAGS,
    scope,
    params: z.object({}),
    query: noQuery,
    body: createBody,
    document: `mutation RestCreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
      createWebhookEndpoint(input: $input) { ${USER_ERROR_FIELDS} secret webhookEndpoint { ...RestWebhookEndpoint } }
    } ${ENDPOINT_FIELDS}`,
    variables: ({ body }) => ({
      input: {
        url: body.url,
        eventTypes: body.event_types?.map(paymentEventTypeName),
        description: body.description,
        enabled: body.enabled,
      },
    }),
    respond: (data) => ({ status: 201, body: withSecret(data.createWebhookEndpoint as SecretPayload) }),
    errors: [415, 422],
    response: {
      status: 201,
      description: 'The endpoint, with its secret (shown once)',
      schema: endpointWithSecretSchema,
    },
  }),
  defineRoute({
    method: 'get',
    path: '/pos/v1/webhook-endpoints',
    operationId: 'listWebhookEndpoints',
    summary: "List the partner's webhook endpoints",
    description: `Oldest first. Secrets are never listed. ${WHO}`,
    tags: TAGS,
    scope,
    params: z.object({}),
    query: noQuery,
    document: `query RestListWebhookEndpoints($first: Int, $after: String) {
      webhookEndpoints(first: $first, after: $after) { nodes { ...RestWebhookEndpoint } pageInfo { hasNextPage endCursor } }
    } ${ENDPOINT_FIELDS}`,
    // Every endpoint, however many pages that takes.
    variables: () => ({ first: Infinity }),
    pages: (data) => data.webhookEndpoints as PagedConnection,
    respond: (data) => ({
      status: 200,
      body: { data: (data.webhookEndpoints as { nodes: GqlEndpoint[] }).nodes.map(toRestEndpoint) },
    }),
    response: { status: 200, description: 'The endpoints', schema: z.object({ data: z.array(endpointSchema) }) },
  }),
  defineRoute({
    method: 'get',
    path: '/pos/v1/webhook-endpoints/{id}',
    operationId: 'getWebhookEndpoint',
    summary: 'Get a webhook endpoint',
    description: `Its secret is never answered here. ${WHO}`,
    tags: TAGS,
    scope,
    params: endpointPath,
    query: noQuery,
    document: `query RestGetWebhookEndpoint($id: ID!) { webhookEndpoint(id: $id) { ...RestWebhookEndpoint } } ${ENDPOINT_FIELDS}`,
    variables: ({ params }) => ({ id: params.id }),
    respond: (data) =>
      data.webhookEndpoint ? { status: 200, body: toRestEndpoint(data.webhookEndpoint as GqlEndpoint) } : null,
    notFoundMessage: 'Webhook endpoint not found',
    response: { status: 200, description: 'The endpoint', schema: endpointSchema },
  }),
  defineRoute({
    method: 'post',
    path: '/pos/v1/webhook-endpoints/{id}',
    operationId: 'updateWebhookEndpoint',
    summary: 'Change a webhook endpoint',
    description: `Changes what the body names (at least one of \`url\`, \`event_types\`, \`description\`,
\`enabled\`); the rest stays. \`enabled: false\` pauses the endpoint (\`status\` \`disabled\`, \`disabled_reason\`
\`partner\`): events meanwhile are not queued for it, and its pending deliveries wait. \`enabled: true\` resumes it, also after it answered 410
(\`disabled_reason\` \`gone\`). ${URL_RULES} ${EVENT_FILTER} ${WHO}`,
    tags: TAGS,
    scope,
    params: endpointPath,
    query: noQuery,
    body: updateBody,
    document: `mutation RestUpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) {
      updateWebhookEndpoint(input: $input) { ${USER_ERROR_FIELDS} webhookEndpoint { ...RestWebhookEndpoint } }
    } ${ENDPOINT_FIELDS}`,
    // Only what the body names: an absent field is left as it is (description: null clears the description).
    variables: ({ params, body }) => ({
      input: {
        id: params.id,
        ...(body.url !== undefined ? { url: body.url } : {}),
        ...(body.event_types !== undefined ? { eventTypes: body.event_types.map(paymentEventTypeName) } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
        ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
      },
    }),
    respond: (data) => ({
      status: 200,
      body: toRestEndpoint((data.updateWebhookEndpoint as { webhookEndpoint: GqlEndpoint }).webhookEndpoint),
    }),
    notFoundMessage: 'Webhook endpoint not found',
    errors: [415, 422],
    response: { status: 200, description: 'The endpoint as changed', schema: endpointSchema },
  }),
  defineRoute({
    method: 'post',
    path: '/pos/v1/webhook-endpoints/{id}/rotate-secret',
    operationId: 'rotateWebhookEndpointSecret',
    summary: "Rotate a webhook endpoint's signing secret",
    description: `Replaces the secret with a new one. ${SECRET_ONCE} The old secret keeps signing beside the new one
for \`overlap_seconds\` (default ${DEFAULT_OVERLAP_SECONDS} = 24 h, at most ${MAX_OVERLAP_SECONDS} = 7 days; 0 stops
it at once): until \`previous_secret_expires_at\`, every delivery's \`X-Tilt-Signature\` carries two signatures, the
new secret's first, so a receiver can switch to the new secret without missing a delivery. Rotating again during an
overlap drops the older secret: only the last one replaced keeps signing. ${WHO}`,
    tags: TAGS,
    scope,
    params: endpointPath,
    query: noQuery,
    body: rotateBody,
    document: `mutation RestRotateWebhookEndpointSecret($input: RotateWebhookEndpointSecretInput!) {
      rotateWebhookEndpointSecret(input: $input) {
        ${USER_ERROR_FIELDS} secret webhookEndpoint { ...RestWebhookEndpoint }
      }
    } ${ENDPOINT_FIELDS}`,
    variables: ({ params, body }) => ({ input: { id: params.id, overlapSeconds: body.overlap_seconds ?? null } }),
    respond: (data) => ({ status: 200, body: withSecret(data.rotateWebhookEndpointSecret as SecretPayload) }),
    notFoundMessage: 'Webhook endpoint not found',
    errors: [415],
    response: {
      status: 200,
      description: 'The endpoint, with its new secret (shown once)',
      schema: endpointWithSecretSchema,
    },
  }),
  defineRoute({
    method: 'get',
    path: '/pos/v1/webhook-endpoints/{id}/deliveries',
    operationId: 'listWebhookDeliveries',
    summary: "List a webhook endpoint's deliveries (and its dead-letter queue)",
    description: `The endpoint's deliveries, newest first, each with its attempt log. A delivery is retried up to 5
times with growing delays (honouring \`Retry-After\`); when every attempt failed, or the endpoint answered 410, it is
\`dead\`: \`status=dead\` lists the dead-letter queue, whose deliveries \`POST
/pos/v1/webhook-deliveries/{id}/replay\` sends again. ${WHO}`,
    tags: TAGS,
    scope,
    params: endpointPath,
    query: deliveriesQuery,
    document: `query RestWebhookDeliveries($id: ID!, $status: WebhookDeliveryStatus, $first: Int, $after: String) {
      webhookEndpoint(id: $id) {
        deliveries(status: $status, first: $first, after: $after) {
          nodes { ...RestWebhookDelivery } pageInfo { hasNextPage endCursor }
        }
      }
    } ${DELIVERY_FIELDS}`,
    variables: ({ params, query }) => ({
      id: params.id,
      status: query.status?.toUpperCase() ?? null,
      first: query.limit === undefined ? DEFAULT_DELIVERY_PAGE : Number(query.limit),
    }),
    // A limit above a connection's page (up to 200) is read in as many pages as it takes.
    pages: (data) => (data.webhookEndpoint as { deliveries: PagedConnection } | null)?.deliveries ?? null,
    respond: (data) => {
      const endpoint = data.webhookEndpoint as { deliveries: { nodes: GqlDelivery[] } } | null;
      return endpoint ? { status: 200, body: { data: endpoint.deliveries.nodes.map(toRestDelivery) } } : null;
    },
    notFoundMessage: 'Webhook endpoint not found',
    response: {
      status: 200,
      description: 'The deliveries, newest first',
      schema: z.object({ data: z.array(deliverySchema) }),
    },
  }),
  defineRoute({
    method: 'post',
    path: '/pos/v1/webhook-deliveries/{id}/replay',
    operationId: 'replayWebhookDelivery',
    summary: 'Replay a dead delivery',
    description: `Sends a delivery from the partner's dead-letter queue again: a new run of attempts with the same event
id and body (signed afresh), \`attempts\` back to 0 and \`replays\` one more. Accepted at once (202, status
\`pending\`); follow it in the endpoint's deliveries. Only a \`dead\` delivery can be replayed (409
\`delivery_not_dead\`), and only while its endpoint is enabled (409 \`endpoint_disabled\`). ${WHO}`,
    tags: TAGS,
    scope,
    params: z.object({ id: uuidId('id') }),
    query: noQuery,
    document: `mutation RestReplayWebhookDelivery($input: ReplayWebhookDeliveryInput!) {
      replayWebhookDelivery(input: $input) { ${USER_ERROR_FIELDS} delivery { ...RestWebhookDelivery } }
    } ${DELIVERY_FIELDS}`,
    variables: ({ params }) => ({ input: { id: params.id } }),
    respond: (data) => ({
      status: 202,
      body: toRestDelivery((data.replayWebhookDelivery as { delivery: GqlDelivery }).delivery),
    }),
    notFoundMessage: 'Webhook delivery not found',
    errors: [409],
    response: { status: 202, description: 'The delivery, queued again', schema: deliverySchema },
  }),
];
