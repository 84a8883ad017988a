import { WEBHOOK_PAYMENT_FIELDS, partnerPayment } from '@pos/kit';
import type { PaymentEvent } from '../payment-event/payment-event.entity';

/**
 * The JSON body of a webhook delivery (AsyncAPI `paymentWebhook` message): the outbox event in the partner API's
 * shape, snake_case with amounts in minor units as `/pos/v1` answers them. Built from the event's payload snapshot,
 * so every attempt of one event sends the same bytes.
 */
export interface WebhookBody {
  id: string;
  type: string;
  api_version: 'v1';
  created_at: string;
  sequence: string;
  partner_id: string;
  location_id: string | null;
  payment_version: number;
  payload_version: number;
  data: {
    payment: {
      id: string;
      status: string;
      amount_cents: number;
      refunded_cents: number;
      tip_cents: number;
      currency: string;
      order_id: string | null;
      check_id: string | null;
      processor: string;
      processor_reference: string | null;
    };
    /** On `payment.refunded`: the refund that made the event, with its own amount (sum these to total refunds). */
    refund?: { id: string; amount_cents: number };
  };
}

export function webhookBody(event: PaymentEvent): WebhookBody {
  const p = event.payload;
  return {
    id: event.eventId,
    type: event.type,
    api_version: 'v1',
    created_at: event.occurredAt.toISOString(),
    sequence: event.seq,
    partner_id: event.tenantId,
    location_id: event.locationId === null ? null : String(event.locationId),
    payment_version: event.paymentVersion,
    payload_version: event.payloadVersion,
    data: {
      payment: partnerPayment(
        {
          id: p.paymentId,
          status: p.status,
          amountCents: p.amountCents,
          refundedCents: p.refundedCents,
          tipCents: p.tipCents,
          currency: p.currency,
          orderId: p.orderId,
          checkId: p.checkId,
          processor: p.processor,
          processorReference: p.processorReference,
        },
        WEBHOOK_PAYMENT_FIELDS,
      ),
      ...(p.refund ? { refund: { id: p.refund.id, amount_cents: p.refund.amountCents } } : {}),
    },
  };
}
