/**
 * What is known of a payment, in plain terms (amounts in integer minor units), whoever read it: the gateway from
 * the graph's `Payment`, the payments subgraph from a payment event's payload snapshot. A surface needs only the
 * facts of the fields it shows.
 */
export interface PartnerPaymentFacts {
  id: string;
  /** A `PaymentStatus`, in any case. */
  status: string;
  amountCents: number;
  refundedCents: number;
  refundableCents: number;
  tipCents: number;
  currency: string;
  orderId: string | null;
  checkId: string | null;
  /** An `EntryMode`, in any case. */
  entryMode: string;
  /** A `PaymentProcessor`, in any case. */
  processor: string;
  processorReference: string | null;
  authorizationCode: string | null;
  failureCode: string | null;
  settledAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Each field of a partner payment and the fact it states: one meaning per field, on every surface. */
const FACT_OF = {
  id: 'id',
  status: 'status',
  amount_cents: 'amountCents',
  refunded_cents: 'refundedCents',
  refundable_cents: 'refundableCents',
  tip_cents: 'tipCents',
  currency: 'currency',
  order_id: 'orderId',
  check_id: 'checkId',
  entry_mode: 'entryMode',
  processor: 'processor',
  processor_reference: 'processorReference',
  authorization_code: 'authorizationCode',
  failure_code: 'failureCode',
  settled_at: 'settledAt',
  version: 'version',
  created_at: 'createdAt',
  updated_at: 'updatedAt',
} as const satisfies Record<string, keyof PartnerPaymentFacts>;

export type PartnerPaymentField = keyof typeof FACT_OF;

/** Spelled in lower case for partners, whatever the case of the fact (the graph's enums are upper case). */
const LOWER_CASE: ReadonlySet<PartnerPaymentField> = new Set(['status', 'entry_mode', 'processor']);

export type PartnerPayment<F extends PartnerPaymentField> = { [K in F]: PartnerPaymentFacts[(typeof FACT_OF)[K]] };

/** The partner API's payment body (`/pos/v1`, `paymentSchema` in the gateway's rest/v1/payments.ts), in its order. */
export const REST_PAYMENT_FIELDS = [
  'id',
  'order_id',
  'status',
  'amount_cents',
  'refunded_cents',
  'refundable_cents',
  'currency',
  'entry_mode',
  'processor',
  'processor_reference',
  'authorization_code',
  'failure_code',
  'settled_at',
  'version',
  'created_at',
  'updated_at',
] as const satisfies readonly PartnerPaymentField[];

/**
 * A webhook body's `data.payment` (the payments subgraph's webhook.body.ts, the AsyncAPI `paymentWebhook` payload),
 * in its order, which differs from the REST body's: a body is signed as the bytes it is sent as, and docs/webhooks.md's
 * test vector is those bytes.
 */
export const WEBHOOK_PAYMENT_FIELDS = [
  'id',
  'status',
  'amount_cents',
  'refunded_cents',
  'tip_cents',
  'currency',
  'order_id',
  'check_id',
  'processor',
  'processor_reference',
] as const satisfies readonly PartnerPaymentField[];

/**
 * A payment in the shape partners read it, REST bodies and webhook bodies alike: snake_case, amounts in integer
 * minor units, status, entry mode and processor in lower case. Each surface names its fields, and their order is the
 * order of the object's keys, so of its JSON.
 */
export function partnerPayment<F extends PartnerPaymentField>(
  facts: Pick<PartnerPaymentFacts, (typeof FACT_OF)[F]>,
  fields: readonly F[],
): PartnerPayment<F> {
  const payment: Record<string, unknown> = {};
  for (const field of fields) {
    const fact: unknown = facts[FACT_OF[field]];
    payment[field] = LOWER_CASE.has(field) ? (fact as string).toLowerCase() : fact;
  }
  return payment as PartnerPayment<F>;
}
