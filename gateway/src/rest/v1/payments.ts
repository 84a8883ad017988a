import { PAYMENT_STATUSES, REST_PAYMENT_FIELDS, SCOPES, partnerPayment } from '@pos/kit';
import { z } from 'zod';
import { USER_ERROR_FIELDS } from '../errors';
import { defineRoute } from '../route';
import { IDEMPOTENCY, cents, noQuery, timestamp, uuidId } from '../common';
import { type GqlMoney, MONEY, minorUnits } from '../money';

export const paymentSchema = z.object({
  id: z.string().describe('Payment id (UUID)'),
  order_id: z.string().nullable(),
  status: z.enum(PAYMENT_STATUSES),
  amount_cents: z.number().int(),
  refunded_cents: z.number().int(),
  refundable_cents: z.number().int(),
  currency: z.string(),
  entry_mode: z.enum(['card_present', 'card_not_present']),
  processor: z.string(),
  processor_reference: z.string().nullable(),
  authorization_code: z.string().nullable(),
  failure_code: z.string().nullable().describe('Why the payment was declined or cancelled, e.g. card_declined'),
  settled_at: z.string().nullable().describe('When its batch closed: no void after this, only refunds'),
  version: z.number().int(),
  created_at: timestamp(),
  updated_at: timestamp(),
});

const refundSchema = z.object({
  id: z.string(),
  payment_id: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  amount_cents: z.number().int(),
  currency: z.string(),
  reason: z.string().nullable(),
  processor_reference: z.string().nullable(),
  failure_code: z.string().nullable(),
  created_at: timestamp(),
  payment: paymentSchema.describe('The payment after the refund'),
});

const PAYMENT_FIELDS = `fragment RestPayment on Payment {
  id status amount ${MONEY} refunded ${MONEY} refundable ${MONEY} entryMode processor processorReference
  authorizationCode failureCode settledAt version createdAt updatedAt order { id }
}`;

interface GqlPayment {
  id: string;
  status: string;
  amount: GqlMoney;
  refunded: GqlMoney;
  refundable: GqlMoney;
  entryMode: string;
  processor: string;
  processorReference: string | null;
  authorizationCode: string | null;
  failureCode: string | null;
  settledAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  order: { id: string } | null;
}
interface GqlRefund {
  id: string;
  payment: { id: string };
  status: string;
  amount: GqlMoney;
  reason: string | null;
  processorReference: string | null;
  failureCode: string | null;
  createdAt: string;
}

type RestPayment = z.infer<typeof paymentSchema>;
export const toRestPayment = (p: GqlPayment): RestPayment =>
  partnerPayment(
    {
      id: p.id,
      orderId: p.order?.id ?? null,
      status: p.status,
      amountCents: minorUnits(p.amount),
      refundedCents: minorUnits(p.refunded),
      refundableCents: minorUnits(p.refundable),
      currency: p.amount.currency,
      entryMode: p.entryMode,
      // The graph's PaymentProcessor enum; partnerPayment spells it in the documented lower case (valor, external).
      processor: p.processor,
      processorReference: p.processorReference,
      authorizationCode: p.authorizationCode,
      failureCode: p.failureCode,
      settledAt: p.settledAt,
      version: p.version,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
    },
    REST_PAYMENT_FIELDS,
  ) as RestPayment;

const paymentPath = z.object({ id: uuidId('id'), paymentId: uuidId('paymentId') });
const paymentPayload = (data: Record<string, unknown>, field: string, status: number) => {
  const result = data[field] as { idempotentReplay: boolean; payment: GqlPayment };
  return { status, body: toRestPayment(result.payment), replayed: result.idempotentReplay };
};

export const paymentRoutes = [
  defineRoute({
    method: 'post',
    path: '/pos/v1/orders/{id}/payments',
    operationId: 'createPayment',
    summary: 'Initiate a card payment on an order',
    description: `Charges the card (a processor token) through Valor, at most what the order still owes. A declined
card still creates a payment, with status \`declined\` and a \`failure_code\`. Card-present payments of orders with
Level 3 data send it to Valor, the order's \`external_reference\` as \`customer_reference\`. When Valor does not answer,
the payment is cancelled (nothing is charged) and the answer is 503 \`processor_unavailable\`. ${IDEMPOTENCY}`,
    tags: ['Payments'],
    scope: SCOPES.posPayments,
    params: z.object({ id: uuidId('id') }),
    query: noQuery,
    body: z
      .object({
        amount_cents: cents('Amount to charge; at most what the order still owes'),
        currency: z.string().describe('ISO 4217 code; must be the order’s'),
        entry_mode: z.enum(['card_present', 'card_not_present']).optional().describe('Default card_present'),
        card_token: z.string().describe('The card as a processor token (never a card number); ≤ 128 characters'),
      })
      .strict(),
    idempotent: true,
    document: `mutation RestCreatePayment($input: CreatePaymentInput!) {
      createPayment(input: $input) { ${USER_ERROR_FIELDS} idempotentReplay payment { ...RestPayment } }
    } ${PAYMENT_FIELDS}`,
    variables: ({ params, body, idempotencyKey }) => ({
      input: {
        orderId: params.id,
        amountMinor: body.amount_cents,
        currency: body.currency,
        entryMode: body.entry_mode?.toUpperCase(), // absent: the mutation's own default (card present)
        cardToken: body.card_token,
        idempotencyKey,
      },
    }),
    // A declined card is this route's 201 with the declined payment, as documented, not a refusal.
    outcomes: ['PAYMENT_DECLINED'],
    respond: (data) => paymentPayload(data, 'createPayment', 201),
    errors: [404, 409, 415, 422, 503],
    response: { status: 201, description: 'The payment (approved or declined)', schema: paymentSchema },
  }),
  defineRoute({
    method: 'post',
    path: '/pos/v1/orders/{id}/payments/{paymentId}/void',
    operationId: 'voidPayment',
    summary: 'Void a payment before settlement',
    description: `Only an approved payment without refunds whose batch has not closed can be voided (409
\`payment_settled\`, \`payment_has_refunds\` or \`invalid_state_transition\` otherwise); after settlement, refund it.
${IDEMPOTENCY}`,
    tags: ['Payments'],
    scope: SCOPES.posRefunds,
    params: paymentPath,
    query: noQuery,
    idempotent: true,
    document: `mutation RestVoidPayment($input: VoidPaymentInput!) {
      voidPayment(input: $input) { ${USER_ERROR_FIELDS} idempotentReplay payment { ...RestPayment } }
    } ${PAYMENT_FIELDS}`,
    variables: ({ params, idempotencyKey }) => ({
      input: { paymentId: params.paymentId, orderId: params.id, idempotencyKey },
    }),
    respond: (data) => paymentPayload(data, 'voidPayment', 200),
    errors: [404, 409, 422, 503],
    response: { status: 200, description: 'The voided payment', schema: paymentSchema },
  }),
  defineRoute({
    method: 'post',
    path: '/pos/v1/orders/{id}/payments/{paymentId}/refunds',
    operationId: 'refundPayment',
    summary: 'Refund part or all of a payment',
    description: `Refunds an approved (or partially refunded) payment; several partial refunds are allowed, together
at most the amount paid (422 \`amount_exceeds_refundable\`). Without \`amount_cents\`, everything still refundable is
refunded. ${IDEMPOTENCY}`,
    tags: ['Payments'],
    scope: SCOPES.posRefunds,
    params: paymentPath,
    query: noQuery,
    body: z
      .object({
        amount_cents: cents('Amount to refund; default everything still refundable').optional(),
        reason: z.string().nullable().optional().describe('At most 255 characters'),
      })
      .strict(),
    idempotent: true,
    document: `mutation RestRefundPayment($input: RefundPaymentInput!) {
      refundPayment(input: $input) {
        ${USER_ERROR_FIELDS}
        idempotentReplay
        refund { id payment { id } status amount ${MONEY} reason processorReference failureCode createdAt }
        payment { ...RestPayment }
      }
    } ${PAYMENT_FIELDS}`,
    variables: ({ params, body, idempotencyKey }) => ({
      input: {
        paymentId: params.paymentId,
        orderId: params.id,
        amountMinor: body.amount_cents,
        reason: body.reason,
        idempotencyKey,
      },
    }),
    respond: (data) => {
      const result = data.refundPayment as { idempotentReplay: boolean; refund: GqlRefund; payment: GqlPayment };
      const r = result.refund;
      return {
        status: 201,
        replayed: result.idempotentReplay,
        body: {
          id: r.id,
          payment_id: r.payment.id,
          status: r.status.toLowerCase(),
          amount_cents: minorUnits(r.amount),
          currency: r.amount.currency,
          reason: r.reason,
          processor_reference: r.processorReference,
          failure_code: r.failureCode,
          created_at: r.createdAt,
          payment: toRestPayment(result.payment),
        },
      };
    },
    errors: [404, 409, 415, 422, 503],
    response: { status: 201, description: 'The refund', schema: refundSchema },
  }),
];
