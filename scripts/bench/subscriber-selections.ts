/**
 * What the subscribers subscribe to: paymentEvents with one distinct selection per BENCH_SUB_PER_SELECTION of them
 * (filters and fields vary, so that every selection sends a different upstream operation or different upstream
 * variables), and which payments' events each selection must receive.
 */

export const SUB_OPERATION = 'BenchPaymentEvents';

/**
 * Optional payments-subgraph fields; selection g takes those of the bits of floor(g / 6), so that, with its
 * filters (g mod 6), every selection sends a different upstream operation or different upstream variables.
 */
const SUB_OPTIONAL_FIELDS = [
  'type',
  'sequence cursor',
  'location { id } partnerId',
  'paymentVersion payloadVersion',
  'payload { amount { amountMinor currency } status }',
  'payment { status amount { amountMinor } }',
];
/** The fields only the orders subgraph resolves: every 4th selection has them, so the gateway runs `rest`. */
const SUB_CROSS_FIELDS = 'payment { order { number status location { name } } }';
/** The locations the payment stream's orders are at, in turn. */
export const SUB_LOCATIONS = ['1', '2'];
const SUB_EVENT_TYPE = 'PAYMENT_APPROVED';

export interface Selection {
  index: number;
  document: string;
  variables: Record<string, string[]>;
  /** null: every location, every type. */
  locations: Set<string> | null;
  types: Set<string> | null;
  crossSubgraph: boolean;
}

/**
 * Selection g of a level (one per SUB_PER_SELECTION subscribers): locationIds null, [1] or [2] (g mod 3), types
 * null or [PAYMENT_APPROVED] (floor(g / 3) mod 2), a subset of SUB_OPTIONAL_FIELDS, and for g mod 4 = 3 the order
 * and its location from the orders subgraph. Every selection has the event id, occurredAt and the payment id.
 */
export function subscriberSelection(g: number): Selection {
  const locations = [null, ['1'], ['2']][g % 3];
  const types = [null, [SUB_EVENT_TYPE]][Math.floor(g / 3) % 2];
  const bits = Math.floor(g / 6);
  if (bits >= 2 ** SUB_OPTIONAL_FIELDS.length) {
    throw new Error(`at most ${6 * 2 ** SUB_OPTIONAL_FIELDS.length} distinct selections; lower the subscriber count`);
  }
  const crossSubgraph = g % 4 === 3;
  const fields = [
    'id occurredAt payload { paymentId }',
    ...SUB_OPTIONAL_FIELDS.filter((_, bit) => bits & (1 << bit)),
    ...(crossSubgraph ? [SUB_CROSS_FIELDS] : []),
  ];
  return {
    index: g,
    document:
      `subscription ${SUB_OPERATION}($locationIds: [ID!], $types: [PaymentEventType!]) ` +
      `{ paymentEvents(locationIds: $locationIds, types: $types) { ${fields.join(' ')} } }`,
    variables: { ...(locations && { locationIds: locations }), ...(types && { types }) },
    locations: locations && new Set(locations),
    types: types && new Set(types),
    crossSubgraph,
  };
}

/** Whether a subscriber with this selection must receive the approval event of a payment at this location. */
export const matches = (selection: Selection, locationId: string) =>
  (!selection.locations || selection.locations.has(locationId)) &&
  (!selection.types || selection.types.has(SUB_EVENT_TYPE));
