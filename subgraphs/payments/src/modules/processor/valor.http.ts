import { createHash } from 'node:crypto';
import { toDecimalString } from '@pos/kit';
import {
  type PaymentProcessor,
  ProcessorUnavailableError,
  type RefundRequest,
  type SaleRequest,
  type SaleResult,
} from './processor';

export interface ValorHttpOptions {
  /** Base URL of the processor API, e.g. https://valor.example/api */
  url: string;
  apiKey: string;
  timeoutMs: number;
}

/**
 * Valor over HTTP. Amounts cross this edge as decimal strings in major units (Valor's convention), converted once
 * here from our integer minor units. Every call carries our reference as `Idempotency-Key`, so a retry after a
 * lost answer is a duplicate the processor recognises. Any transport failure, time-out or 5xx is "outcome
 * unknown" ({@link ProcessorUnavailableError}); the payment service then undoes the sale.
 */
export class ValorHttpClient implements PaymentProcessor {
  readonly name = 'valor';
  readonly sandbox = false;

  constructor(private readonly options: ValorHttpOptions) {}

  async sale(request: SaleRequest): Promise<SaleResult> {
    const body = {
      reference: request.reference,
      amount: toDecimalString(request.amountCents, request.currency),
      currency: request.currency,
      entry_mode: request.entryMode,
      card_token: request.cardToken,
      ...(request.level3
        ? {
            level3: {
              customer_reference: request.level3.customerReference,
              line_items: request.level3.lineItems.map((line) => ({
                product_code: line.productCode,
                description: line.description,
                quantity: line.quantity,
                unit_of_measure: line.unitOfMeasure,
                unit_cost: toDecimalString(line.unitCostCents, request.currency),
                tax_amount: toDecimalString(line.taxCents, request.currency),
                discount_amount: toDecimalString(line.discountCents, request.currency),
              })),
            },
          }
        : {}),
    };
    const answer = await this.post('/v1/sale', request.reference, body);
    const processorReference = typeof answer.transaction_id === 'string' ? answer.transaction_id : null;
    if (answer.status === 'approved' && processorReference) {
      return { approved: true, processorReference, authorizationCode: String(answer.auth_code ?? '') };
    }
    if (answer.status === 'declined') {
      return { approved: false, processorReference, declineCode: String(answer.decline_code ?? 'declined') };
    }
    throw new ProcessorUnavailableError(`unexpected sale answer: ${JSON.stringify(answer).slice(0, 200)}`);
  }

  async void(request: { reference: string; processorReference: string | null }): Promise<void> {
    await this.post('/v1/void', `void:${request.reference}`, {
      reference: request.reference,
      transaction_id: request.processorReference,
    });
  }

  async refund(request: RefundRequest): Promise<{ processorReference: string }> {
    const answer = await this.post('/v1/refund', request.reference, {
      reference: request.reference,
      transaction_id: request.processorReference,
      amount: toDecimalString(request.amountCents, request.currency),
      currency: request.currency,
    });
    if (typeof answer.refund_id !== 'string') throw new ProcessorUnavailableError('refund answer without refund_id');
    return { processorReference: answer.refund_id };
  }

  /** Valor only acknowledges the request here; whether the reversal settled or failed it reports later. */
  async reverse(request: { reference: string; processorReference: string | null }): Promise<void> {
    await this.post('/v1/reversal', `reversal:${request.reference}`, {
      reference: request.reference,
      transaction_id: request.processorReference,
    });
  }

  async settle(processorReferences: string[]): Promise<void> {
    const batchKey = createHash('sha256').update(processorReferences.join(',')).digest('hex');
    await this.post('/v1/batch/close', `settle:${batchKey}`, {
      transaction_ids: processorReferences,
    });
  }

  private async post(path: string, idempotencyKey: string, body: unknown): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await fetch(
        new URL(path.slice(1), this.options.url.endsWith('/') ? this.options.url : `${this.options.url}/`),
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${this.options.apiKey}`,
            'idempotency-key': idempotencyKey,
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.options.timeoutMs),
        },
      );
    } catch (error) {
      throw new ProcessorUnavailableError(`POST ${path} failed`, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) throw new ProcessorUnavailableError(`POST ${path} answered ${response.status}`);
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      throw new ProcessorUnavailableError(`POST ${path} answered with a body that is not JSON`, { cause: error });
    }
  }
}
