import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type EntityClient,
  type Logger,
  type Principal,
  SCOPES,
  mayActAtLocation,
  notFound,
  parseIntIdArg,
  requireScope,
  type IdempotencyCodec,
} from '@pos/kit';
import { EXTERNAL_PROCESSOR, Payment, PaymentStatus } from '../payment/payment.entity';
import { RequestKey } from '../payment/payment.idempotency';
import { runProcessorStep } from '../payment/processor-step';
import type { PaymentProcessor } from '../processor/processor';

export interface SettlementDeps {
  processor: PaymentProcessor;
  /** The orders subgraph, which owns locations. */
  orders: EntityClient;
  logger: Logger;
  requestId: string;
}

export interface CloseBatchAnswer {
  settledCount: number;
  replayed: boolean;
}

/** A close's key completes with the location it closed and how many payments settled. */
const closeBatchAnswer = (locationId: number): IdempotencyCodec<CloseBatchAnswer> => ({
  id: () => String(locationId),
  snapshot: (answer) => ({ settledCount: answer.settledCount }),
  restore: (stored) => ({ settledCount: (stored as { settledCount: number }).settledCount, replayed: true }),
});

/** The payments of a location's open batch: approved with our processor, not settled, voided or being reversed. */
const openBatch = (tenantId: string, locationId: number) => ({
  tenantId,
  locationId,
  // Sales registered by mobile providers settle in their processor's batches, not in ours.
  processor: { $ne: EXTERNAL_PROCESSOR },
  status: { $in: [PaymentStatus.APPROVED, PaymentStatus.PARTIALLY_REFUNDED] },
  settledAt: null,
  voidRequestedAt: null,
  // A payment being reversed is the processor's to void or refund; submitting it for settlement races that.
  reversalRequestedAt: null,
});

/**
 * Settlement: closing a location's batch, whose approved payments settle with the processor, after which they can
 * only be refunded, not voided (what a POS does at the end of a day).
 */
export class SettlementService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: SettlementDeps,
  ) {}

  /** Closes the location's open batch with the processor and marks what it settled. */
  async closeBatch(
    principal: Principal,
    locationIdArg: string,
    idempotencyKey?: string | null,
  ): Promise<CloseBatchAnswer> {
    requireScope(principal, SCOPES.posPayments);
    const locationId = parseIntIdArg(locationIdArg, 'locationId');
    if (!mayActAtLocation(principal, locationId)) throw notFound('Location');
    // Settling moves money, so a retried close answers what the first one settled instead of "0 settled".
    const key = await RequestKey.claim(
      this.em,
      principal,
      idempotencyKey,
      'closeBatch',
      { locationId },
      closeBatchAnswer(locationId),
    );
    if (key.replay) return key.replay;
    const open = openBatch(principal.tenantId, locationId);
    try {
      // A resumed close (the first attempt went quiet) simply closes again: what it settled is settled, and the
      // processor is told the rest again, as on any second close.
      return await runProcessorStep(this.em, this.deps, {
        key,
        intent: () => this.batchOf(principal, locationId, open),
        recorded: (batch) => (batch.length ? null : { settledCount: 0, replayed: false }),
        call: (batch) => this.deps.processor.settle(batch.map((p) => p.processorReference ?? p.id)),
        onUnavailable: {
          logAs: () => ({ locationId }),
          // Nothing is marked settled: until a close succeeds the payments stay voidable here, and closing again
          // names them to the processor again.
          key: 'release',
          answer: 'the batch was not closed',
        },
        outcome: async (tx, batch) => ({ settledCount: await markSettled(tx, open, batch), replayed: false }),
      });
    } catch (error) {
      // A close records no intent a retry would have to finish: whatever failed, the key goes back.
      await key.release();
      throw error;
    }
  }

  /** The payments the close will settle (read outside any transaction, before the processor is called). */
  private async batchOf(principal: Principal, locationId: number, open: ReturnType<typeof openBatch>) {
    // Locations belong to the orders subgraph: another partner's (or no) location is not found, as everywhere else,
    // rather than a batch of nothing.
    const location = await this.deps.orders.fetch<{ id: string }>(
      principal,
      this.deps.requestId,
      'Location',
      String(locationId),
      'id',
    );
    if (!location) throw notFound('Location');
    return this.em.find(Payment, open, { fields: ['id', 'processorReference'] });
  }
}

/** Marks settled those of the batch still open (a void may have won the race); returns how many. */
async function markSettled(
  tx: EntityManager,
  open: ReturnType<typeof openBatch>,
  batch: readonly Pick<Payment, 'id'>[],
): Promise<number> {
  const settled = await tx.find(
    Payment,
    { ...open, id: { $in: batch.map((p) => p.id) } },
    { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
  );
  const now = new Date();
  for (const payment of settled) {
    payment.settledAt = now;
    payment.version += 1;
    payment.updatedAt = now;
  }
  await tx.flush();
  return settled.length;
}
