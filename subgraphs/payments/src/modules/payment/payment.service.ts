import type { EntityManager } from '@mikro-orm/postgresql';
import { type Principal, SCOPES, badInput, parseUuidArg, requireScope } from '@pos/kit';
import { recordPaymentEvent } from '../payment-event/payment-event.outbox';
import { Payment, PaymentStatus } from './payment.entity';
import type { CreatePaymentInput } from './payment.inputs';

/** Payments of the caller's tenant. */
export class PaymentService {
  constructor(private readonly em: EntityManager) {}

  byIds(principal: Principal, ids: readonly string[]): Promise<Payment[]> {
    return this.em.find(Payment, { id: { $in: [...ids] }, tenantId: principal.tenantId });
  }

  byOrders(principal: Principal, orderIds: readonly string[]): Promise<Payment[]> {
    return this.em.find(
      Payment,
      { orderId: { $in: [...orderIds] }, tenantId: principal.tenantId },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
  }

  byChecks(principal: Principal, checkIds: readonly string[]): Promise<Payment[]> {
    return this.em.find(
      Payment,
      { checkId: { $in: [...checkIds] }, tenantId: principal.tenantId },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
  }

  /**
   * Records an approved payment on an order and its `payment.approved` event in one transaction.
   * (The walking skeleton's payment: the processor, the state machine and idempotency arrive with the partner API.)
   */
  async create(principal: Principal, input: CreatePaymentInput): Promise<Payment> {
    requireScope(principal, SCOPES.posPayments);
    const orderId = parseUuidArg(input.orderId, 'orderId');
    const problems: string[] = [];
    if (!Number.isSafeInteger(input.amountCents) || input.amountCents <= 0) {
      problems.push('amountCents: must be a positive integer');
    }
    if (!/^[A-Z]{3}$/.test(input.currency)) problems.push('currency: must be an ISO 4217 code such as USD');
    if (problems.length) throw badInput('Invalid payment', problems);

    return this.em.transactional(async (tx) => {
      const payment = new Payment();
      Object.assign(payment, {
        tenantId: principal.tenantId,
        orderId,
        amountCents: input.amountCents,
        currency: input.currency,
        status: PaymentStatus.APPROVED,
      });
      tx.persist(payment);
      await tx.flush();
      await recordPaymentEvent(tx, payment, 'payment.approved');
      return payment;
    });
  }
}
