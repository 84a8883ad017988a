import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '@pos/kit';
import { ProcessorUnavailableError } from '../processor/processor';
import { paymentErrors } from './payment.errors';
import type { RequestKey } from './payment.idempotency';

/*
 * Every movement of money through the processor (a sale, a void, a reversal, a refund, a batch settling) runs in
 * three steps and never holds a transaction across the processor call: record the intent (and lock what must not
 * be raced), call the processor with our own id as its reference, record the outcome with its outbox event. The
 * request's idempotency key follows the same steps: attached with the intent, completed with the outcome.
 */

/** What a step logs with: the request's logger and id. */
export interface StepLog {
  logger: Logger;
  requestId: string;
}

/** What a movement does when the processor did not answer, so the outcome of the call is unknown. */
export interface WhenUnanswered<I> {
  /** The ids the warning names: the payment, refund or location the call was about. */
  logAs: (intent: I) => Record<string, unknown>;
  /** Said after "processor unavailable" in the warning. */
  logNote?: string;
  /** Undoes what the call may have done, before the request gives up on it (a technical void, an unmarked intent). */
  compensate?: (intent: I) => Promise<void>;
  /**
   * `release`: nothing the call sent can still take effect (or it was undone), so the key is given back and a retry
   * runs afresh. `hold`: it may still take effect, so the key stays held and a retry with it after the lease resumes
   * this very movement, whose id the processor recognises, instead of sending a second one.
   */
  key: 'release' | 'hold';
  /** What the client's 503 says became of its request. */
  answer: string;
}

/** One movement of money: `I` is its recorded intent, `A` the processor's answer, `R` the request's answer. */
export interface ProcessorStep<I, A, R> {
  key: RequestKey<R>;
  /**
   * Step 1: records the intent, attaching the key to it in that transaction, or finds the intent a resumed request
   * recorded. When it refuses, the key is given back.
   */
  intent: () => Promise<I>;
  /** The answer when the intent's outcome was recorded already (a resumed request got that far): nothing is sent. */
  recorded?: (intent: I) => R | null;
  /** Step 2, outside any transaction: the processor call, with our own id as its reference. */
  call: (intent: I) => Promise<A>;
  onUnavailable: WhenUnanswered<I>;
  /** Step 3: records the processor's answer, in one transaction with the key's completion. */
  outcome: (tx: EntityManager, intent: I, answer: A) => Promise<R>;
  /**
   * When the outcome records nothing (the processor reports it later), the answer of a request without a key: it
   * has no key to complete, so step 3's transaction is skipped.
   */
  unkeyed?: (intent: I) => R;
}

/**
 * Runs a movement's three steps. A failure after the intent leaves the key held (what was recorded may be with the
 * processor), except as `onUnavailable` says when the processor did not answer.
 */
export async function runProcessorStep<I, A, R>(
  em: EntityManager,
  log: StepLog,
  step: ProcessorStep<I, A, R>,
): Promise<R> {
  const { key } = step;
  const intent = await key.abandonOnFailure(step.intent);
  const recorded = step.recorded?.(intent);
  if (recorded) {
    await key.completeAlone(em, recorded);
    return recorded;
  }
  const answer = await callProcessor(log, step, intent);
  if (step.unkeyed && !key.held) return step.unkeyed(intent);
  return em.transactional(async (tx) => {
    const result = await step.outcome(tx, intent, answer);
    await key.complete(tx, result);
    return result;
  });
}

/** Step 2; a processor that does not answer ends the request with 503 once {@link WhenUnanswered} is done. */
async function callProcessor<I, A, R>(log: StepLog, step: ProcessorStep<I, A, R>, intent: I): Promise<A> {
  try {
    return await step.call(intent);
  } catch (error) {
    if (!(error instanceof ProcessorUnavailableError)) throw error;
    const unanswered = step.onUnavailable;
    log.logger.warn(
      { err: error, ...unanswered.logAs(intent), requestId: log.requestId },
      unanswered.logNote ? `processor unavailable; ${unanswered.logNote}` : 'processor unavailable',
    );
    await unanswered.compensate?.(intent);
    if (unanswered.key === 'release') await step.key.release();
    throw paymentErrors.processorUnavailable(unanswered.answer);
  }
}
