import { createHash } from 'node:crypto';
import {
  type PaymentProcessor,
  ProcessorUnavailableError,
  type RefundRequest,
  type SaleRequest,
  type SaleResult,
} from './processor';

/**
 * Card tokens that make the sandbox decline, with the decline code it answers; every other token approves. The
 * docs/partner-api.md lists these rules. `tok_processor_unavailable` simulates a processor that does not answer.
 */
export const SANDBOX_DECLINES: Readonly<Record<string, string>> = {
  tok_decline: 'card_declined',
  tok_insufficient_funds: 'insufficient_funds',
  tok_expired_card: 'expired_card',
  tok_do_not_honor: 'do_not_honor',
};
export const SANDBOX_UNAVAILABLE_TOKEN = 'tok_processor_unavailable';

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Valor's built-in sandbox: deterministic, in-process, no network. The same reference always yields the same
 * processor reference and authorisation code, as a real processor deduplicates by the merchant's reference.
 */
export class ValorSandbox implements PaymentProcessor {
  readonly name = 'valor';
  readonly sandbox = true;

  async sale(request: SaleRequest): Promise<SaleResult> {
    if (request.cardToken === SANDBOX_UNAVAILABLE_TOKEN) {
      throw new ProcessorUnavailableError('sandbox: processor unavailable (test token)');
    }
    const processorReference = `valor_sbx_${digest(request.reference).slice(0, 20)}`;
    const declineCode = SANDBOX_DECLINES[request.cardToken];
    if (declineCode) return { approved: false, processorReference, declineCode };
    return {
      approved: true,
      processorReference,
      authorizationCode: digest(`auth:${request.reference}`).slice(0, 6).toUpperCase(),
    };
  }

  async void(): Promise<void> {}

  async refund(request: RefundRequest): Promise<{ processorReference: string }> {
    return { processorReference: `valor_sbx_rf_${digest(request.reference).slice(0, 20)}` };
  }

  /** Always accepted; its outcome is set with the `sandboxProcessorOutcome` mutation (docs/partner-api.md, "Valor, the processor"). */
  async reverse(): Promise<void> {}

  async settle(): Promise<void> {}
}
