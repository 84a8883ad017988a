import { PAYMENT_EVENTS, PAYMENT_EVENT_TYPES, PAYMENT_STATUSES, WEBHOOK_PAYMENT_FIELDS } from '@pos/kit';

/** How the webhook dispatcher delivers, as the document and docs/webhooks.md state it. */
const WEBHOOK_DELIVERY = {
  timeoutSeconds: 10,
  maxAttempts: 5,
  userAgent: 'tilt-webhooks/1',
} as const;

const UUID = { type: 'string', format: 'uuid' } as const;

/**
 * The JSON body of a webhook delivery, field for field `WebhookBody` of the payments subgraph
 * (`subgraphs/payments/src/modules/webhook/webhook.body.ts`); the API documents test validates a body built by
 * `webhookBody()` against it and compares the field lists, so neither can change alone. Receivers should ignore
 * fields they do not know: new ones may be added within `api_version` v1.
 */
const webhookPayloadSchema = {
  type: 'object',
  description: 'A payment event in the partner API v1 shape: snake_case, amounts in integer minor units (cents)',
  required: [
    'id',
    'type',
    'api_version',
    'created_at',
    'sequence',
    'partner_id',
    'location_id',
    'payment_version',
    'payload_version',
    'data',
  ],
  properties: {
    id: {
      ...UUID,
      description: 'The event id, equal to the X-Tilt-Event-Id header: the same on every attempt and replay',
    },
    type: {
      type: 'string',
      enum: PAYMENT_EVENT_TYPES,
      description: Object.entries(PAYMENT_EVENTS)
        .map(([type, meaning]) => `\`${type}\`: ${meaning}`)
        .join('; '),
    },
    api_version: { type: 'string', const: 'v1', description: 'The version of this body’s shape' },
    created_at: { type: 'string', format: 'date-time', description: 'When the event was committed (UTC, ISO 8601)' },
    sequence: {
      type: 'string',
      pattern: '^[0-9]{1,19}$',
      description:
        'The event’s position in the partner’s event stream: increasing in commit order, with gaps (a 64-bit ' +
        'integer as a decimal string). Also the `after` cursor of the paymentEvents subscription',
    },
    partner_id: { type: 'string', minLength: 1, description: 'The partner the payment belongs to' },
    location_id: {
      type: ['string', 'null'],
      pattern: '^[0-9]+$',
      description: 'The location of the payment, when it has one',
    },
    payment_version: {
      type: 'integer',
      minimum: 1,
      description:
        'The payment’s version this event moved it to. Events can arrive out of order: keep the highest ' +
        'version you have applied per payment and discard an event with a lower one',
    },
    payload_version: { type: 'integer', const: 1, description: 'The version of the `data` snapshot’s shape' },
    data: {
      type: 'object',
      required: ['payment'],
      properties: {
        payment: {
          type: 'object',
          description: 'The payment as it was in the transaction that wrote the event (not as it is now)',
          // Every field webhook.body.ts sends, in its order (the kit's partner payment of a webhook body).
          required: [...WEBHOOK_PAYMENT_FIELDS],
          properties: {
            id: { ...UUID, description: 'The payment id, as GET /pos/v1/orders/{id} lists it' },
            status: {
              type: 'string',
              enum: PAYMENT_STATUSES,
              description: 'The payment’s status after this event',
            },
            amount_cents: { type: 'integer', minimum: 0, description: 'The amount paid, in minor units' },
            refunded_cents: { type: 'integer', minimum: 0, description: 'Refunded so far, in minor units' },
            tip_cents: { type: 'integer', minimum: 0, description: 'The tip, in minor units' },
            currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. USD' },
            order_id: { type: ['string', 'null'], format: 'uuid', description: 'The order paid, if any' },
            check_id: { type: ['string', 'null'], format: 'uuid', description: 'The check paid, if any' },
            processor: { type: 'string', description: 'Who processed the payment, e.g. valor' },
            processor_reference: {
              type: ['string', 'null'],
              description: 'The processor’s id of the transaction, once it answered',
            },
          },
        },
        refund: {
          type: 'object',
          description:
            'On `payment.refunded` only: the refund that made this event, with its own amount. `refunded_cents` ' +
            'is the payment’s running total; to sum refunds, add up `refund.amount_cents`',
          required: ['id', 'amount_cents'],
          properties: {
            id: { ...UUID, description: 'The refund id' },
            amount_cents: { type: 'integer', minimum: 1, description: 'This refund’s amount, in minor units' },
          },
        },
      },
    },
  },
};

const SIGNATURE_PATTERN = '^hmac-sha256=[0-9a-f]{64}(, hmac-sha256=[0-9a-f]{64})*$';

/**
 * The X-Tilt-* headers of every delivery: the names are those of `webhook.signature.ts` in the payments subgraph
 * (HTTP header names are case-insensitive; the test compares them lower-cased).
 */
const webhookHeadersSchema = {
  type: 'object',
  required: [
    'X-Tilt-Signature',
    'X-Tilt-Timestamp',
    'X-Tilt-Event-Id',
    'X-Tilt-Event-Type',
    'X-Tilt-Delivery-Id',
    'X-Tilt-Delivery-Attempt',
  ],
  properties: {
    'X-Tilt-Signature': {
      type: 'string',
      pattern: SIGNATURE_PATTERN,
      description:
        '`hmac-sha256=<hex>`: HMAC-SHA256 of `<X-Tilt-Event-Id>.<X-Tilt-Timestamp>.<raw body>`, keyed with the ' +
        'endpoint secret’s UTF-8 bytes (the whole string, `whsec_` prefix included, whatever its form), lower-case hex. While a ' +
        'rotated-out secret is still active there is one signature per active secret, newest first, separated by ' +
        '`, `; accept the delivery when any of them matches a secret you hold. Compare in constant time',
    },
    'X-Tilt-Timestamp': {
      type: 'string',
      pattern: '^[0-9]{1,12}$',
      description:
        'Unix time in seconds when this attempt was signed (each attempt is signed anew). Reject a delivery whose ' +
        'timestamp is more than 300 seconds from your clock: a captured delivery cannot be replayed later',
    },
    'X-Tilt-Event-Id': {
      ...UUID,
      description:
        'The event id (equal to the body’s `id`), part of the signed message. The same event can arrive more ' +
        'than once: deduplicate by it',
    },
    'X-Tilt-Event-Type': {
      type: 'string',
      enum: PAYMENT_EVENT_TYPES,
      description: 'The event type (equal to the body’s `type`), to route before parsing the body',
    },
    'X-Tilt-Delivery-Id': {
      ...UUID,
      description: 'This delivery of the event to this endpoint, the same on each of its attempts; quote it to support',
    },
    'X-Tilt-Delivery-Attempt': {
      type: 'string',
      pattern: '^[1-9][0-9]*$',
      description: `Which attempt of the delivery this is, from 1 (at most ${WEBHOOK_DELIVERY.maxAttempts} automatic attempts)`,
    },
    'webhook-id': {
      ...UUID,
      description:
        'Standard Webhooks: the event id (equal to X-Tilt-Event-Id). Sent when the endpoint’s secret was created ' +
        'or rotated after Standard Webhooks support began (its base64 part is padded standard base64); an older ' +
        'secret gets these three headers from its next rotation',
    },
    'webhook-timestamp': {
      type: 'string',
      pattern: '^[0-9]{1,12}$',
      description: 'Standard Webhooks: the same Unix time in seconds as X-Tilt-Timestamp',
    },
    'webhook-signature': {
      type: 'string',
      pattern: '^v1,[A-Za-z0-9+/]{43}=( v1,[A-Za-z0-9+/]{43}=)*$',
      description:
        'Standard Webhooks: `v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<raw body>">` keyed with ' +
        'the bytes the secret’s base64 part (after `whsec_`) decodes to, one per active secret that has such a ' +
        'key, space-separated. Any `standardwebhooks` library verifies it with the secret as given',
    },
  },
};

const webhookHttpHeadersSchema = {
  type: 'object',
  properties: {
    'Content-Type': { type: 'string', const: 'application/json' },
    'User-Agent': { type: 'string', const: WEBHOOK_DELIVERY.userAgent },
  },
};

/**
 * A worked example, also the test vector of docs/webhooks.md: the body is exactly these bytes (`JSON.stringify` of the
 * payload), the signature is that of the test secret below, and the tests check both.
 */
export const WEBHOOK_EXAMPLE = {
  secret: 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8',
  headers: {
    'X-Tilt-Signature': 'hmac-sha256=0eaa1352181dbdf72d1879b798700831f19150d1cbf92de4011f613bef1644db',
    'X-Tilt-Timestamp': '1767225600',
    'X-Tilt-Event-Id': '5f0c3f52-7d0e-4c1e-9a7b-2b8f3d6a1e90',
    'X-Tilt-Event-Type': 'payment.approved',
    'X-Tilt-Delivery-Id': '2a4c6e80-1b3d-4f57-9acb-dfe013579bdf',
    'X-Tilt-Delivery-Attempt': '1',
  },
  payload: {
    id: '5f0c3f52-7d0e-4c1e-9a7b-2b8f3d6a1e90',
    type: 'payment.approved',
    api_version: 'v1',
    created_at: '2026-01-01T00:00:00.000Z',
    sequence: '42',
    partner_id: 'demo',
    location_id: '1',
    payment_version: 2,
    payload_version: 1,
    data: {
      payment: {
        id: '0b7e6c1a-3f2d-4e8b-9c5a-1d2e3f4a5b6c',
        status: 'approved',
        amount_cents: 2500,
        refunded_cents: 0,
        tip_cents: 0,
        currency: 'USD',
        order_id: '8d9e0f1a-2b3c-4d5e-8f60-718293a4b5c6',
        check_id: null,
        processor: 'valor',
        processor_reference: 'valor_sbx_3f9a1c2e7b4d5a6f8e0c',
      },
    },
  },
} as const;

const DELIVERY_RULES =
  `**Delivery.** Each event of the partner’s payments is POSTed to every active endpoint whose event types include ` +
  `it, as \`application/json\` with \`User-Agent: ${WEBHOOK_DELIVERY.userAgent}\`. Answer any 2xx status quickly ` +
  '(the response body is ignored) and do the work afterwards. Any other status, redirects included (they are not ' +
  `followed), no answer within ${WEBHOOK_DELIVERY.timeoutSeconds} seconds, or a connection or TLS error is a ` +
  `failed attempt.\n\n**Retries.** Up to ${WEBHOOK_DELIVERY.maxAttempts} attempts per delivery, the next one after ` +
  'an exponential back-off with random jitter. A `Retry-After` header (seconds or an HTTP date) on a failed ' +
  'answer, typically a 429 or 503, sets the time of the next attempt (capped). Every attempt is signed anew, with ' +
  `a fresh X-Tilt-Timestamp. After ${WEBHOOK_DELIVERY.maxAttempts} failed attempts the delivery moves to the dead-letter ` +
  'queue, which the partner can list and an operator can replay. **410 Gone** disables the endpoint: no further ' +
  'attempts or deliveries until it is enabled again.\n\n**Receivers must** (1) verify X-Tilt-Signature over the ' +
  'raw body bytes before parsing them, and reject a timestamp more than 300 s from their clock; (2) deduplicate by ' +
  'X-Tilt-Event-Id: the same event can arrive more than once (a replay, or an attempt whose answer was lost); ' +
  '(3) not rely on order: deliveries may arrive in any order, so keep the highest `payment_version` per payment ' +
  '(or `sequence`) and discard older ones.';

/**
 * The AsyncAPI 3 document of the payment events leaving the platform: the GraphQL subscription over graphql-ws and
 * the signed webhooks POSTed to partner endpoints. The application it describes is the POS platform, so both
 * operations are `send`. Checked by the official JSON schema and by @asyncapi/parser in the tests.
 */
export function asyncApiDocument(serverUrl: string) {
  const wsUrl = new URL(serverUrl);
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'POS partner events',
      version: '1.3.0',
      description:
        'Payment events of a partner, two ways: the GraphQL subscription `paymentEvents` on the gateway (graphql-ws) ' +
        'and signed webhooks POSTed to the endpoints the partner registers (scope `tilt/webhooks:subscribe`). Both ' +
        'carry the same events from one transactional outbox: an event exists only for a payment change that ' +
        'committed, with a stable id to deduplicate by and a sequence in commit order.',
    },
    defaultContentType: 'application/json',
    servers: {
      gateway: {
        host: wsUrl.host,
        protocol: wsUrl.protocol === 'https:' ? 'wss' : 'ws',
        pathname: '/graphql',
        title: 'The POS gateway',
        description: 'GraphQL over WebSocket (graphql-ws, subprotocol `graphql-transport-ws`)',
        security: [{ $ref: '#/components/securitySchemes/bearer' }],
      },
      partnerEndpoint: {
        host: '{endpointHost}',
        protocol: 'https',
        title: 'The partner’s webhook endpoint',
        description:
          'Not ours: the receiving server is the partner’s, at the endpoint URL it registered (https; it may not ' +
          'point at a private or loopback address). Deliveries are ' +
          'authenticated by X-Tilt-Signature (see the paymentWebhook message), not by credentials of the partner.',
        variables: {
          endpointHost: {
            description: 'Host (and port) of the registered endpoint URL',
            examples: ['hooks.partner.example'],
          },
        },
      },
    },
    channels: {
      paymentEvents: {
        address: '/graphql',
        title: 'paymentEvents subscription',
        servers: [{ $ref: '#/servers/gateway' }],
        description:
          'GraphQL subscription `paymentEvents(types: [String!], locationIds: [ID!], after: String)` over graphql-ws. ' +
          'Send the access token as `connectionParams: { Authorization: "Bearer <token>" }`. `types` keeps only ' +
          'those event types, `locationIds` only the payments at those locations (a POS user receives only the ' +
          'locations of their roles, whatever they ask), and `after` resumes: the events committed after that ' +
          'cursor are replayed first, then live ones follow. Each event is a graphql-ws `next` message with ' +
          '`{data: {paymentEvents: {...}}}` holding the fields the subscriber selected; fields of other subgraphs ' +
          '(e.g. `payment { order { number } }`) resolve as in a query. The query `paymentEventsCursor` answers ' +
          'the cursor of the newest event, a starting point before the first event arrives. A client that stops ' +
          'reading is disconnected with close code 4008 once its unsent bytes pass WS_MAX_BUFFERED_BYTES; it ' +
          'subscribes again with `after` set to the last cursor it received and misses nothing. Identical ' +
          'subscriptions share one upstream stream, and a payments restart is resumed upstream from the last cursor.',
        messages: {
          paymentEvent: {
            name: 'PaymentEvent',
            title: 'Payment event (subscription)',
            payload: {
              type: 'object',
              description: 'The selectable fields of `PaymentEvent` (only the selected ones arrive)',
              properties: {
                id: {
                  ...UUID,
                  description: 'Stable event id, the same on every delivery and replay: deduplicate by it',
                },
                cursor: { type: 'string', description: 'Resume with paymentEvents(after: cursor)' },
                sequence: {
                  type: 'string',
                  description: 'Position in the outbox stream, increasing in commit order (gaps are possible)',
                },
                type: { type: 'string', enum: PAYMENT_EVENT_TYPES },
                paymentVersion: { type: 'integer', description: 'The payment version this event moved it to' },
                locationId: { type: ['string', 'null'] },
                partnerId: { type: 'string' },
                payloadVersion: { type: 'integer', const: 1 },
                payload: {
                  type: 'object',
                  description: 'The payment as the event saw it',
                  properties: {
                    paymentId: UUID,
                    status: {
                      type: 'string',
                      enum: PAYMENT_STATUSES.map((status) => status.toUpperCase()),
                      description: 'A PaymentStatus',
                    },
                    amountCents: { type: 'integer' },
                    refundedCents: { type: 'integer' },
                    tipCents: { type: 'integer' },
                    currency: { type: 'string' },
                    orderId: { type: ['string', 'null'] },
                    checkId: { type: ['string', 'null'] },
                    processor: { type: 'string' },
                    processorReference: { type: ['string', 'null'] },
                  },
                },
                payment: { type: 'object', description: 'The federated Payment, with any of its fields' },
                occurredAt: { type: 'string', format: 'date-time' },
              },
            },
          },
        },
      },
      paymentWebhook: {
        address: '{endpointPath}',
        title: 'A partner’s webhook endpoint',
        servers: [{ $ref: '#/servers/partnerEndpoint' }],
        description: 'The path of the endpoint URL the partner registered; every delivery is one POST to it.',
        parameters: {
          endpointPath: { description: 'Path and query of the registered endpoint URL, e.g. /hooks/tilt' },
        },
        messages: {
          paymentWebhook: {
            name: 'PaymentWebhook',
            title: 'Payment event (webhook delivery)',
            summary: 'One payment event, signed, POSTed to a partner endpoint',
            contentType: 'application/json',
            description:
              'Verify before anything else: compute HMAC-SHA256 over `<X-Tilt-Event-Id>.<X-Tilt-Timestamp>.<raw ' +
              'body>` with the endpoint secret (its UTF-8 bytes, `whsec_` included), hex-encode it and compare it in ' +
              'constant time with each `hmac-sha256=` value of X-Tilt-Signature; then check X-Tilt-Timestamp is ' +
              'within 300 s of your clock. Use the body bytes as received: re-serialised JSON does not verify. ' +
              'Deliveries to an endpoint whose secret is in the Standard Webhooks form also carry webhook-id, ' +
              'webhook-timestamp and webhook-signature, which the standardwebhooks libraries verify.',
            headers: webhookHeadersSchema,
            payload: webhookPayloadSchema,
            bindings: { http: { headers: webhookHttpHeadersSchema, bindingVersion: '0.3.0' } },
            examples: [
              {
                name: 'paymentApproved',
                summary:
                  `The test vector of the webhook documentation: signed with the test secret ${WEBHOOK_EXAMPLE.secret}; the raw ` +
                  'body is the payload as compact JSON (JSON.stringify), 520 bytes',
                headers: WEBHOOK_EXAMPLE.headers,
                payload: WEBHOOK_EXAMPLE.payload,
              },
            ],
          },
        },
      },
    },
    operations: {
      sendPaymentEvents: {
        action: 'send',
        channel: { $ref: '#/channels/paymentEvents' },
        title: 'Stream payment events to a subscriber',
        description:
          'Events of the caller’s partner only. Delivery is at least once across reconnects: resume with `after` ' +
          'set to the last cursor you processed and deduplicate by `id`.',
        messages: [{ $ref: '#/channels/paymentEvents/messages/paymentEvent' }],
      },
      sendPaymentWebhook: {
        action: 'send',
        channel: { $ref: '#/channels/paymentWebhook' },
        title: 'Deliver a payment event to a partner endpoint',
        summary: 'POST one signed payment event; any 2xx acknowledges it',
        description: DELIVERY_RULES,
        bindings: { http: { method: 'POST', bindingVersion: '0.3.0' } },
        messages: [{ $ref: '#/channels/paymentWebhook/messages/paymentWebhook' }],
      },
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'An access token (M2M or POS user) in the graphql-ws connectionParams: `{ Authorization: "Bearer <token>" }`',
        },
      },
    },
  };
}
