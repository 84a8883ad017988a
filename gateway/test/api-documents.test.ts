import { randomUUID } from 'node:crypto';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { PAYMENT_EVENT_TYPES, PAYMENT_STATUSES } from '@pos/kit';
import { PaymentStatus } from '@pos/payments/src/modules/payment/payment.entity';
import { EVENT_OF_STATUS } from '@pos/payments/src/modules/payment/payment.state';
import {
  PAYMENT_EVENT_PAYLOAD_VERSION,
  PaymentEvent,
} from '@pos/payments/src/modules/payment-event/payment-event.entity';
import { webhookBody } from '@pos/payments/src/modules/webhook/webhook.body';
import {
  ATTEMPT_HEADER,
  DELIVERY_ID_HEADER,
  EVENT_ID_HEADER,
  EVENT_TYPE_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  newWebhookSecret,
  signatureHeader,
  standardWebhookHeaders,
  verifySignature,
} from '@pos/payments/src/modules/webhook/webhook.signature';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { isLoyaltyApiPath, isMobileApiPath } from '../src/rest/errors';
import { WEBHOOK_EXAMPLE, asyncApiDocument } from '../src/rest/asyncapi';
import { openApiDocument } from '../src/rest/openapi';
import { routes } from '../src/rest/routes';
import { validateOpenApi } from '../../test/support/openapi';

const SERVER = 'https://pos.example.com';

describe('API documents', () => {
  const openapi = openApiDocument(routes, SERVER);

  it('the OpenAPI document is valid OpenAPI 3.1', () => {
    expect(validateOpenApi(openapi)).toEqual({ valid: true });
  });

  it('the validator does reject a broken document (so the check above means something)', () => {
    const broken = { ...openapi, paths: { '/x': { get: { responses: { 200: { content: 'not an object' } } } } } };
    expect(validateOpenApi(broken).valid).toBe(false);
  });

  it('lists every route of the route table with its scope, parameters, body and every status it can answer', () => {
    const paths = openapi.paths as Record<string, Record<string, any>>;
    const documented = Object.entries(paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m} ${p}`));
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of routes) {
      const operation = paths[route.path][route.method];
      expect(operation.operationId).toBe(route.operationId);
      const mobile = isMobileApiPath(route.path);
      const loyalty = isLoyaltyApiPath(route.path);
      // The loyalty routes take the org's X-Api-Key and nothing else.
      expect(operation.security).toEqual(
        loyalty
          ? [{ loyaltyApiKey: [] }]
          : mobile
            ? [{ oauth2: [route.scope] }]
            : [{ oauth2: [route.scope] }, { posUser: [] }],
      );
      // The mobile and loyalty documents have their own error bodies; mobile refusals are 400s, never 409 or 422.
      const errorSchema = operation.responses['400'].content['application/json'].schema.$ref;
      expect(errorSchema).toBe(`#/components/schemas/${mobile ? 'MobileError' : loyalty ? 'LoyaltyError' : 'Error'}`);
      const statuses = Object.keys(operation.responses).map(Number);
      expect(statuses).toEqual(expect.arrayContaining([route.response.status, 400, 401, 403, 500]));
      for (const status of route.errors ?? []) expect(statuses).toContain(status);
      for (const name of route.path.match(/\{(\w+)\}/g) ?? []) {
        expect(operation.parameters).toContainEqual(
          expect.objectContaining({ name: name.slice(1, -1), in: 'path', required: true }),
        );
      }
      if (route.body) expect(operation.requestBody.content['application/json'].schema.type).toBe('object');
      if (route.idempotent) {
        expect(operation.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
        if (mobile) expect(statuses).not.toEqual(expect.arrayContaining([409]));
        else expect(statuses).toEqual(expect.arrayContaining([409, 422]));
      }
    }
  });

  it('documents the v1 error body with its machine code', () => {
    const error = (openapi.components.schemas as Record<string, any>).Error;
    expect(error.required).toEqual(['status', 'code', 'timestamp', 'message', 'details']);
  });

  it('documents the loyalty error body and the X-Api-Key scheme', () => {
    const { schemas, securitySchemes } = openapi.components as Record<string, any>;
    expect(schemas.LoyaltyError.required).toEqual(['error', 'message']);
    expect(Object.keys(schemas.LoyaltyError.properties)).toEqual(
      expect.arrayContaining(['challenge_id', 'remaining_attempts']),
    );
    expect(securitySchemes.loyaltyApiKey).toEqual(
      expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }),
    );
  });

  it('the AsyncAPI document is valid AsyncAPI 3.0.0 against the official JSON schema', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const schema = require('@asyncapi/specs/schemas/3.0.0-without-$id.json') as object;
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const document = asyncApiDocument(SERVER);
    expect(validate(document) ? [] : validate.errors).toEqual([]);
    expect(validate({ ...document, channels: { bad: { address: 42 } } })).toBe(false);
  });
});

describe('AsyncAPI document', () => {
  const document = asyncApiDocument(SERVER);
  const webhookMessage = document.channels.paymentWebhook.messages.paymentWebhook;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validatePayload = ajv.compile(webhookMessage.payload);
  const validateHeaders = ajv.compile(webhookMessage.headers);
  const errorsOf = (validate: typeof validatePayload, value: unknown) => (validate(value) ? [] : validate.errors);

  /** What a webhook delivery of `event` looks like: the body the payments code builds and the headers it signs. */
  function delivery(event: PaymentEvent, secrets: string[], timestamp: number) {
    const body = webhookBody(event);
    const rawBody = JSON.stringify(body);
    const sent: Record<string, string> = {
      [SIGNATURE_HEADER]: signatureHeader(secrets, event.eventId, timestamp, rawBody),
      [TIMESTAMP_HEADER]: String(timestamp),
      [EVENT_ID_HEADER]: event.eventId,
      [EVENT_TYPE_HEADER]: event.type,
      [DELIVERY_ID_HEADER]: randomUUID(),
      [ATTEMPT_HEADER]: '1',
      ...standardWebhookHeaders(secrets, event.eventId, timestamp, rawBody),
    };
    // The document spells the names as they are usually written; HTTP names are case-insensitive.
    const headers = Object.fromEntries(
      Object.keys(webhookMessage.headers.properties).map((name) => [name, sent[name.toLowerCase()]]),
    );
    return { body, rawBody, sent, headers };
  }

  function paymentEvent(type: string, status: PaymentStatus, overrides: Partial<PaymentEvent> = {}): PaymentEvent {
    return Object.assign(new PaymentEvent(), {
      seq: '9007199254740993',
      tenantId: 'demo',
      type,
      paymentId: randomUUID(),
      paymentVersion: 3,
      locationId: 2,
      payloadVersion: PAYMENT_EVENT_PAYLOAD_VERSION,
      occurredAt: new Date('2026-03-01T12:34:56.789Z'),
      payload: {
        paymentId: randomUUID(),
        status,
        amountCents: 2500,
        refundedCents: 500,
        tipCents: 300,
        currency: 'USD',
        orderId: randomUUID(),
        checkId: null,
        processor: 'valor',
        processorReference: 'valor_sbx_0123456789abcdef0123',
        // A refund event carries the refund that made it.
        ...(type === 'payment.refunded' ? { refund: { id: randomUUID(), amountCents: 500 } } : {}),
      },
      ...overrides,
    });
  }

  it('parses with @asyncapi/parser without errors or warnings', async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(structuredClone(document));
    // The only note left is that AsyncAPI 3.1.0 exists; the document is 3.0.0 on purpose, as the design fixed it and
    // test/e2e/rest.test.ts checks.
    const problems = diagnostics.filter(
      (d) => d.severity === DiagnosticSeverity.Error || d.severity === DiagnosticSeverity.Warning,
    );
    expect(problems.map((d) => `${d.code} at ${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(parsed).toBeDefined();

    const channel = parsed!.channels().get('paymentWebhook')!;
    expect(
      channel
        .servers()
        .all()
        .map((server) => server.id()),
    ).toEqual(['partnerEndpoint']);
    expect(channel.parameters().get('endpointPath')).toBeDefined();
    const message = channel.messages().get('paymentWebhook')!;
    expect(message.contentType()).toBe('application/json');
    expect(Object.keys(message.headers()!.properties()!)).toEqual([
      'X-Tilt-Signature',
      'X-Tilt-Timestamp',
      'X-Tilt-Event-Id',
      'X-Tilt-Event-Type',
      'X-Tilt-Delivery-Id',
      'X-Tilt-Delivery-Attempt',
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
    ]);
    expect(message.payload()!.properties()!.type.enum()).toEqual(PAYMENT_EVENT_TYPES);
    expect(message.bindings().get('http')!.value().headers.properties['User-Agent'].const).toBe('tilt-webhooks/1');

    const operation = parsed!.operations().get('sendPaymentWebhook')!;
    expect(operation.action()).toBe('send');
    expect(operation.bindings().get('http')!.value()).toEqual(expect.objectContaining({ method: 'POST' }));
    expect(
      operation
        .messages()
        .all()
        .map((m) => m.id()),
    ).toEqual(['paymentWebhook']);
    expect(operation.description()).toEqual(expect.stringContaining('410 Gone'));

    const subscription = parsed!.operations().get('sendPaymentEvents')!;
    expect(subscription.channels().all()[0].address()).toBe('/graphql');
    expect(
      subscription
        .servers()
        .all()
        .map((server) => server.id()),
    ).toEqual(['gateway']);
  });

  it('the parser does reject a broken document (so the check above means something)', async () => {
    const broken = structuredClone(document) as any;
    broken.operations.sendPaymentWebhook.channel = { $ref: '#/channels/nowhere' };
    const { diagnostics } = await new Parser().parse(broken);
    expect(diagnostics.some((d) => d.severity === DiagnosticSeverity.Error)).toBe(true);
  });

  it('a body and headers the payments code builds validate against the webhook message, for every type and status', () => {
    const now = Math.floor(Date.now() / 1000);
    for (const type of PAYMENT_EVENT_TYPES) {
      for (const status of Object.values(PaymentStatus)) {
        const { body, headers } = delivery(
          paymentEvent(type, status),
          [newWebhookSecret(), 'whsec_old', newWebhookSecret()],
          now,
        );
        expect(errorsOf(validatePayload, body)).toEqual([]);
        expect(errorsOf(validateHeaders, headers)).toEqual([]);
      }
    }
    const { body } = delivery(
      paymentEvent('payment.approved', PaymentStatus.APPROVED, { locationId: null }),
      ['s'],
      now,
    );
    expect(errorsOf(validatePayload, body)).toEqual([]);
  });

  it('documents every field of the body and every header the payments code sends, no more', () => {
    const { body, sent } = delivery(paymentEvent('payment.refunded', PaymentStatus.REFUNDED), [newWebhookSecret()], 1);
    const schema = webhookMessage.payload;
    const keys = (value: object) => Object.keys(value).sort();
    expect(keys(schema.properties)).toEqual(keys(body));
    expect([...schema.required].sort()).toEqual(keys(body));
    expect(keys(schema.properties.data.properties)).toEqual(keys(body.data));
    expect(keys(schema.properties.data.properties.payment.properties)).toEqual(keys(body.data.payment));
    expect([...schema.properties.data.properties.payment.required].sort()).toEqual(keys(body.data.payment));
    const documented = Object.keys(webhookMessage.headers.properties).map((name) => name.toLowerCase());
    expect(documented.sort()).toEqual(keys(sent));
    // The Standard Webhooks headers are not sent to an endpoint whose secret predates them, so they are optional.
    const always = keys(sent).filter((name) => !name.startsWith('webhook-'));
    expect([...webhookMessage.headers.required].map((name) => name.toLowerCase()).sort()).toEqual(always);
    expect(keys(delivery(paymentEvent('payment.approved', PaymentStatus.APPROVED), ['whsec_x'], 1).sent)).toEqual(
      always,
    );
  });

  it('the schemas refuse what the code never sends', () => {
    const { body, headers } = delivery(paymentEvent('payment.voided', PaymentStatus.VOIDED), ['whsec_x'], 1);
    const payment = body.data.payment;
    for (const bad of [
      { ...body, type: 'payment.captured' },
      { ...body, data: { payment: { ...payment, status: 'VOIDED' } } },
      { ...body, data: { payment: { ...payment, amount_cents: 12.5 } } },
      { ...body, sequence: 42 },
      { ...body, created_at: 'yesterday' },
    ]) {
      expect(validatePayload(bad)).toBe(false);
    }
    for (const signature of ['sha256=' + 'a'.repeat(64), 'hmac-sha256=' + 'A'.repeat(64), 'hmac-sha256=abc']) {
      expect(validateHeaders({ ...headers, 'X-Tilt-Signature': signature })).toBe(false);
    }
    expect(validateHeaders({ ...headers, 'X-Tilt-Timestamp': '2026-01-01T00:00:00Z' })).toBe(false);
  });

  it('enumerates the payment statuses and event types of the payments code', () => {
    expect(PAYMENT_STATUSES).toEqual(Object.values(PaymentStatus).map((status) => status.toLowerCase()));
    for (const type of Object.values(EVENT_OF_STATUS)) expect(PAYMENT_EVENT_TYPES).toContain(type);
    expect(webhookMessage.headers.properties['X-Tilt-Event-Type'].enum).toEqual(PAYMENT_EVENT_TYPES);
  });

  it('its example is the documented test vector: a valid delivery whose signature verifies with the test secret', () => {
    const example = webhookMessage.examples[0];
    expect(errorsOf(validatePayload, example.payload)).toEqual([]);
    expect(errorsOf(validateHeaders, example.headers)).toEqual([]);
    const rawBody = JSON.stringify(example.payload);
    expect(Buffer.byteLength(rawBody)).toBe(520);
    expect(
      verifySignature({
        secret: WEBHOOK_EXAMPLE.secret,
        header: example.headers['X-Tilt-Signature'],
        eventId: example.headers['X-Tilt-Event-Id'],
        timestamp: example.headers['X-Tilt-Timestamp'],
        rawBody,
        nowSeconds: Number(example.headers['X-Tilt-Timestamp']) + 60,
      }),
    ).toBe(true);
    // The example is what webhookBody() makes of such an event, byte for byte.
    const p = example.payload.data.payment;
    const event = paymentEvent(example.payload.type, PaymentStatus.APPROVED, {
      eventId: example.payload.id,
      seq: example.payload.sequence,
      tenantId: example.payload.partner_id,
      locationId: Number(example.payload.location_id),
      paymentVersion: example.payload.payment_version,
      occurredAt: new Date(example.payload.created_at),
      payload: {
        paymentId: p.id,
        status: PaymentStatus.APPROVED,
        amountCents: p.amount_cents,
        refundedCents: p.refunded_cents,
        tipCents: p.tip_cents,
        currency: p.currency,
        orderId: p.order_id,
        checkId: p.check_id,
        processor: p.processor,
        processorReference: p.processor_reference,
      },
    });
    expect(JSON.stringify(webhookBody(event))).toBe(rawBody);
  });
});
