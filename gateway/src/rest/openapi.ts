import { z } from 'zod';
import { ALL_SCOPES } from '@pos/kit';
import type { RestRoute } from './route';

const errorBody = z.object({
  status: z.number().int(),
  timestamp: z.string().describe('ISO 8601 timestamp'),
  message: z.string(),
  details: z.array(z.string()),
});

const ERRORS: Record<number, string> = {
  400: 'Bad Request – validation error',
  401: 'Unauthorized – missing or invalid authentication',
  403: 'Forbidden – the token lacks the required scope',
  404: 'Not found',
  500: 'Internal Server Error – unexpected server error',
};

const schemaOf = (type: z.ZodType) => {
  const { $schema: _drop, ...schema } = z.toJSONSchema(type, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return schema;
};

function parameters(route: RestRoute) {
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
export function openApiDocument(routes: RestRoute[], serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const responses: Record<string, unknown> = {
      [route.response.status]: {
        description: route.response.description,
        content: { 'application/json': { schema: schemaOf(route.response.schema) } },
      },
    };
    const errors = [400, 401, 403, ...(route.notFoundMessage ? [404] : []), 500];
    for (const status of errors) {
      responses[status] = {
        description: ERRORS[status],
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    paths[route.path] = {
      ...paths[route.path],
      [route.method]: {
        operationId: route.operationId,
        summary: route.summary,
        tags: route.tags,
        security: [{ oauth2: [route.scope] }],
        parameters: parameters(route),
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
      description: 'Partner REST API (v1). Each route runs one GraphQL operation of the federated graph.',
    },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas: { Error: schemaOf(errorBody) },
      securitySchemes: {
        oauth2: {
          type: 'oauth2',
          description: 'client_credentials access tokens from the token endpoint (RS256 JWTs)',
          flows: {
            clientCredentials: {
              tokenUrl: `${serverUrl}/oauth2/token`,
              scopes: Object.fromEntries(ALL_SCOPES.map((s) => [s, s])),
            },
          },
        },
      },
    },
  };
}

/** The AsyncAPI 3 document: the payment event stream. The events issue adds the webhook channels. */
export function asyncApiDocument(serverUrl: string) {
  const wsUrl = new URL(serverUrl);
  return {
    asyncapi: '3.0.0',
    info: { title: 'POS partner events', version: '1.2.0' },
    servers: {
      gateway: { host: wsUrl.host, protocol: wsUrl.protocol === 'https:' ? 'wss' : 'ws', pathname: '/graphql' },
    },
    channels: {
      paymentEvents: {
        address: '/graphql',
        description: 'GraphQL subscription `paymentEvents` over graphql-ws (graphql-transport-ws subprotocol)',
        messages: {
          paymentEvent: {
            name: 'PaymentEvent',
            payload: {
              type: 'object',
              properties: {
                id: { type: 'string' },
                cursor: { type: 'string' },
                type: { type: 'string', examples: ['payment.approved'] },
                occurredAt: { type: 'string', format: 'date-time' },
              },
            },
          },
        },
      },
    },
    operations: {
      receivePaymentEvents: { action: 'receive', channel: { $ref: '#/channels/paymentEvents' } },
    },
  };
}
