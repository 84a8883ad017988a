/**
 * The vocabulary of payment events as partners see them, in one place: the payments subgraph writes these types to
 * its outbox, the webhook dispatcher sends them, and the gateway's AsyncAPI document enumerates them. The gateway
 * may not import a subgraph, so the list lives in the kit, and a test holds the subgraph's enums to it.
 */
export const PAYMENT_EVENTS = {
  'payment.approved': 'The processor approved the payment (status `approved`)',
  'payment.refunded':
    'A refund completed: `refunded_cents` grew and the status is `partially_refunded` or `refunded`; one event per refund',
  'payment.voided': 'An approved payment was voided before its batch settled (status `voided`)',
  'payment.cancelled':
    'A pending payment was abandoned before the processor answered, e.g. the processor was unavailable (status `cancelled`)',
  'payment.expired': 'The payment expired before it completed (status `expired`)',
  'payment.reversal_settled': 'A requested reversal settled at the processor (status `reversed`)',
  'payment.reversal_failed': 'A requested reversal was refused by the processor; the payment keeps its status',
} as const;

export type PaymentEventType = keyof typeof PAYMENT_EVENTS;

/** Every payment event type, e.g. for an enum in a schema or a filter's validation. */
export const PAYMENT_EVENT_TYPES = Object.keys(PAYMENT_EVENTS) as readonly PaymentEventType[];

/**
 * A payment's status as the partner API and webhook bodies spell it: the payments subgraph's `PaymentStatus`
 * values, lower-cased.
 */
export const PAYMENT_STATUSES = [
  'pending',
  'approved',
  'declined',
  'voided',
  'partially_refunded',
  'refunded',
  'cancelled',
  'expired',
  'reversed',
] as const;

export type PaymentStatusName = (typeof PAYMENT_STATUSES)[number];

/**
 * A payment event type as the graph spells it (`PaymentEventType` enum): `payment.reversal_settled` is
 * `PAYMENT_REVERSAL_SETTLED`. The outbox, webhook bodies, endpoint filters and REST keep the dotted spelling; these
 * two functions are the only place the spellings meet.
 */
export type PaymentEventTypeName = Uppercase<
  PaymentEventType extends `${infer Head}.${infer Tail}` ? `${Head}_${Tail}` : never
>;

export const paymentEventTypeName = (type: string): PaymentEventTypeName =>
  type.toUpperCase().replace('.', '_') as PaymentEventTypeName;

export const paymentEventTypeOf = (name: string): PaymentEventType =>
  name.toLowerCase().replace('_', '.') as PaymentEventType;
