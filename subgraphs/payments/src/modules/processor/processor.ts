/**
 * The seam between payments and a card processor. Every movement of money (payment/processor-step.ts) records its
 * intent, calls one of these outside any database transaction, then records the outcome; `reference` is always our
 * own id (payment or refund), so a repeated call after a lost answer is recognised by the processor instead of
 * charging twice.
 */

export type EntryMode = 'card_present' | 'card_not_present';

export interface Level3LineItem {
  productCode: string;
  description: string;
  quantity: number;
  unitOfMeasure: string;
  unitCostCents: number;
  taxCents: number;
  discountCents: number;
}

/** Level 3 data as a processor takes it: the order's external_reference becomes customer_reference (v1.2). */
export interface Level3Request {
  customerReference: string | null;
  lineItems: Level3LineItem[];
}

export interface SaleRequest {
  reference: string;
  amountCents: number;
  currency: string;
  entryMode: EntryMode;
  cardToken: string;
  /** Present on card-present sales of orders that carry Level 3 data. */
  level3: Level3Request | null;
}

export type SaleResult =
  | { approved: true; processorReference: string; authorizationCode: string }
  | { approved: false; processorReference: string | null; declineCode: string };

export interface RefundRequest {
  reference: string;
  processorReference: string;
  amountCents: number;
  currency: string;
}

export interface PaymentProcessor {
  readonly name: string;
  /** True for the built-in sandbox: only then may a caller simulate what the processor would report later. */
  readonly sandbox: boolean;
  sale(request: SaleRequest): Promise<SaleResult>;
  /** Cancels an authorisation before settlement; also used to undo a sale whose answer was lost. */
  void(request: { reference: string; processorReference: string | null }): Promise<void>;
  refund(request: RefundRequest): Promise<{ processorReference: string }>;
  /**
   * Asks for a merchant-requested reversal: the processor voids the payment if it has not settled, else refunds
   * the whole amount. Accepting it is all this answers; whether it settled or failed the processor reports later.
   */
  reverse(request: { reference: string; processorReference: string | null }): Promise<void>;
  /** Closes the batch of these transactions: after this they can only be refunded, not voided. */
  settle(processorReferences: string[]): Promise<void>;
}

/** The processor could not be reached or did not answer in time: the outcome of the call is unknown. */
export class ProcessorUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProcessorUnavailableError';
  }
}
