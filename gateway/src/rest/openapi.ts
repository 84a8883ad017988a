import { z } from 'zod';
import { SCOPES } from '@pos/kit';
import { isLoyaltyApiPath, isMobileApiPath } from './errors';
import type { RestRoute } from './route';

const errorBody = z.object({
  status: z.number().int().describe('The HTTP status'),
  code: z
    .string()
    .describe(
      'Stable machine-readable code: validation_error, unauthorized, insufficient_scope, not_found, ' +
        'unsupported_media_type, idempotency_key_reused, idempotency_key_in_use, duplicate_external_id, ' +
        'amount_exceeds_due, currency_mismatch, amount_exceeds_refundable, payment_settled, payment_has_refunds, ' +
        'payment_not_refundable, payment_busy, payment_external, reversal_pending, invalid_state_transition, ' +
        'delivery_not_dead, endpoint_disabled, too_many_endpoints, url_not_allowed, processor_unavailable, dependency_unavailable, ' +
        'invalid_token, token_expired, token_reused, location_mismatch, user_inactive (SSO launch links), ' +
        'payload_too_large, rate_limited, service_unavailable, internal_error',
    ),
  timestamp: z.string().describe('ISO 8601 timestamp'),
  message: z.string(),
  details: z.array(z.string()).describe('What was wrong, one line per problem (`field: reason`)'),
});

/** The mobile payments document's error body: no `code`; refusals are 400s. */
const mobileErrorBody = errorBody.omit({ code: true });

/** The loyalty API's error body (its document names errors by code). */
const loyaltyErrorBody = z.object({
  error: z
    .string()
    .describe(
      'The error code, as the loyalty document names them: validation_error, unauthorized, insufficient_scope, ' +
        'customer not found, coupon not found, subscription_required, pin_required, pin_invalid, pin_expired, ' +
        'pin_attempts_exceeded, manual_code_disabled, insufficient_balance, coupon_already_redeemed, ' +
        'payload_too_large, rate_limited, internal_error',
    ),
  message: z.string(),
  challenge_id: z.string().optional().describe('pin_required: the challenge the PIN on the dashboard belongs to'),
  expires_at: z.string().optional().describe('pin_required: when that PIN expires (90 s)'),
  remaining_attempts: z.number().int().optional().describe('pin_invalid: wrong PINs left before 429'),
  locked_until: z
    .string()
    .optional()
    .describe('pin_attempts_exceeded, when the customer’s PINs are locked: when PINs are accepted again'),
  retry_after: z
    .number()
    .int()
    .optional()
    .describe('pin_attempts_exceeded, when the customer’s PINs are locked: whole seconds until then (as Retry-After)'),
  details: z.array(z.string()).optional().describe('validation_error: one line per problem (`field: reason`)'),
});

const LOYALTY_ERRORS: Record<number, string> = {
  400: 'Bad Request – a malformed body, or `customer not found` / `coupon not found`',
  401: 'Unauthorized – missing or unknown X-Api-Key',
  402: 'Payment Required – subscription_required: the org’s loyalty subscription has lapsed',
  403: 'Forbidden – the key is not an org’s POS key',
  412: 'Precondition Failed – pin_required: read the PIN on the customer’s dashboard and retry with it',
  422: 'Unprocessable – pin_invalid, pin_expired, manual_code_disabled, insufficient_balance, coupon_already_redeemed',
  429:
    'Too Many Requests – pin_attempts_exceeded: retry without verification_pin for a fresh challenge, or, with ' +
    'locked_until and retry_after, the customer’s PINs are locked after too many wrong ones (wait that long); or ' +
    'rate_limited: the key sent more requests than its rate limit, retry after Retry-After seconds',
};

const MOBILE_ERRORS: Record<number, string> = {
  400: 'Bad Request – validation error, or a payment the check refuses (amount above what is due, locked or closed check)',
};

const ERRORS: Record<number, string> = {
  400: 'Bad Request – malformed JSON or a field that is missing, of the wrong type or out of range',
  401: 'Unauthorized – missing or invalid access token',
  403: 'Forbidden – the token lacks the required scope',
  404: 'Not found – no such resource for this caller (another partner’s ids are not found too)',
  409: 'Conflict – the resource’s state does not allow this, or the Idempotency-Key is in use by a running request',
  413: 'Payload Too Large – the body is larger than the gateway’s limit (MAX_BODY_BYTES, 1 MiB by default)',
  415: 'Unsupported Media Type – the body must be application/json',
  422: 'Unprocessable – a business rule refused the request, or the Idempotency-Key was used with another body',
  429: 'Too Many Requests – rate_limited: more requests than the caller’s rate limit; retry after Retry-After seconds',
  500: 'Internal Server Error – unexpected; quote the request id in details',
  503: 'Service Unavailable – the payment processor or a service behind the gateway did not answer; retry later',
};

const RETRY_AFTER_HEADER = {
  description: 'Seconds to wait before retrying',
  schema: { type: 'integer', minimum: 1 },
};

/** The caller's cost budget (docs/api/limits.md), on every answer whose operation ran. */
const RATE_LIMIT_HEADERS = {
  'RateLimit-Policy': {
    description: 'The cost budget: `"cost";q=<points the bucket holds>;w=<seconds an empty bucket takes to refill>`',
    schema: { type: 'string' },
  },
  RateLimit: {
    description: 'What is left of it: `"cost";r=<points left>;t=<seconds until the bucket is full>`',
    schema: { type: 'string' },
  },
};

const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'Makes retries safe (1–255 visible ASCII characters, e.g. a V4 UUID); kept 24 hours',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};

const SCOPE_DESCRIPTIONS: Record<string, string> = {
  [SCOPES.posRead]: 'Read locations, orders and payments',
  [SCOPES.posOrders]: 'Create orders',
  [SCOPES.posPayments]: 'Take payments on orders and close batches',
  [SCOPES.posRefunds]: 'Void and refund payments',
  [SCOPES.posLaunch]: 'Create SSO launch links',
  [SCOPES.webhooksSubscribe]: 'Manage webhook endpoints',
  [SCOPES.mobilePayments]: 'Mobile payments API v2 (checks)',
  [SCOPES.loyaltyPos]: 'Loyalty earn, redeem and coupon redemption through GraphQL (the REST routes take X-Api-Key)',
  [SCOPES.loyaltyAdmin]: 'Loyalty programs: their settings and POS keys',
};

const schemaOf = (type: z.ZodType) => {
  const { $schema: _drop, ...schema } = z.toJSONSchema(type, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return schema;
};

/**
 * What the document needs of a route: the route table's routes, and the gateway's own routes that run no GraphQL
 * operation (SSO launch links, rest/v1/launch.ts), described alike. `security` replaces what the path and scheme
 * imply (`[]`: a public route), `errorDescriptions` the generic description of a status.
 */
export type DocumentedRoute = Omit<RestRoute, 'document' | 'variables' | 'respond' | 'scope'> & {
  scope?: string;
  security?: Array<Record<string, string[]>>;
  errorDescriptions?: Record<number, string>;
};

function parameters(route: DocumentedRoute) {
  const out: object[] = [];
  for (const [where, type] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    const shape = (type as z.ZodObject).shape ?? {};
    for (const [name, field] of Object.entries(shape)) {
      out.push({
        name,
        in: where,
        required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
        description: (field as z.ZodType).description,
        schema: schemaOf(field as z.ZodType),
      });
    }
  }
  return out;
}

/** The OpenAPI 3.1 document of the REST facade, generated from the route table so it cannot drift from it. */
export function openApiDocument(routes: DocumentedRoute[], serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const responses: Record<string, unknown> = {
      [route.response.status]: {
        description: route.response.description,
        headers: {
          // Public routes (the credential is in the body) spend from no caller's budget.
          ...(route.security?.length === 0 ? {} : RATE_LIMIT_HEADERS),
          ...(route.idempotent
            ? {
                'Idempotent-Replayed': {
                  description: '`true` when this is the stored response of an earlier request with the same key',
                  schema: { type: 'string', enum: ['true'] },
                },
              }
            : {}),
        },
        content: { 'application/json': { schema: schemaOf(route.response.schema) } },
      },
    };
    // Every route may answer 429 (the rate and cost limits, docs/api/limits.md), and one with a body 413 (too large).
    const errors = [
      ...new Set([
        400,
        401,
        403,
        ...(route.notFoundMessage ? [404] : []),
        ...(route.body ? [413] : []),
        ...(route.errors ?? []),
        429,
        500,
      ]),
    ].sort((a, b) => a - b);
    const mobile = isMobileApiPath(route.path);
    const loyalty = isLoyaltyApiPath(route.path);
    const errorSchema = mobile ? 'MobileError' : loyalty ? 'LoyaltyError' : 'Error';
    for (const status of errors) {
      responses[status] = {
        description:
          route.errorDescriptions?.[status] ??
          (mobile ? MOBILE_ERRORS[status] : loyalty ? LOYALTY_ERRORS[status] : undefined) ??
          ERRORS[status],
        ...(status === 429
          ? {
              headers: {
                'Retry-After': RETRY_AFTER_HEADER,
                ...(route.security?.length === 0 ? {} : RATE_LIMIT_HEADERS),
              },
            }
          : status === 503
            ? { headers: { 'Retry-After': RETRY_AFTER_HEADER } }
            : {}),
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${errorSchema}` } } },
      };
    }
    paths[route.path] = {
      ...paths[route.path],
      [route.method]: {
        operationId: route.operationId,
        summary: route.summary,
        ...(route.description ? { description: route.description } : {}),
        tags: route.tags,
        // POS users' roles never hold the mobile payments scope: only M2M tokens reach the v2 routes.
        security:
          route.security ??
          (route.auth === 'apiKey'
            ? [{ loyaltyApiKey: [] }]
            : mobile
              ? [{ oauth2: [route.scope ?? ''] }]
              : [{ oauth2: [route.scope ?? ''] }, { posUser: [] }]),
        parameters: [...parameters(route), ...(route.idempotent ? [IDEMPOTENCY_HEADER] : [])],
        ...(route.body
          ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(route.body) } } } }
          : {}),
        responses,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'POS partner API',
      version: '1.2.0',
      description:
        'Partner REST API (v1), mobile payments API (v2) and loyalty POS API (/webhook). Each route runs one ' +
        'GraphQL operation of the federated graph. Amounts are integer minor units (cents), except the loyalty ' +
        'purchase amount, a decimal as its document has it. v1 errors share one body: `{status, code, timestamp, ' +
        'message, details}`; v2 errors are `{status, timestamp, message, details}` and loyalty errors `{error, ' +
        'message, …}`, as their documents have them.',
    },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas: {
        Error: schemaOf(errorBody),
        MobileError: schemaOf(mobileErrorBody),
        LoyaltyError: schemaOf(loyaltyErrorBody),
      },
      securitySchemes: {
        portalSession: {
          type: 'apiKey',
          in: 'cookie',
          name: 'pos_portal_session',
          description:
            'The portal’s session (HttpOnly cookie set after signing in at /portal/login), accepted only from the ' +
            'portal’s own pages (Origin or Sec-Fetch-Site checked). The person’s role gives the scopes: a partner ' +
            'admin’s include tilt/loyalty:admin and tilt/admin:clients (managing API clients, never a client’s).',
        },
        loyaltyApiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Api-Key',
          description: 'A loyalty org’s POS API key (stored hashed by the gateway)',
        },
        oauth2: {
          type: 'oauth2',
          description: 'M2M client_credentials access tokens from the token endpoint (RS256 JWTs)',
          flows: {
            clientCredentials: {
              tokenUrl: `${serverUrl}/oauth2/token`,
              scopes: SCOPE_DESCRIPTIONS,
            },
          },
        },
        posUser: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'POS user access tokens (RS256 JWTs with the user’s location roles). Scopes come from the roles: ' +
            'location_cashier holds tilt/pos:read, tilt/pos:orders and tilt/pos:payments; location_manager also ' +
            'tilt/pos:refunds. A user acts only at the locations of their roles.',
        },
      },
    },
  };
}
