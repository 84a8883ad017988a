import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '@pos/kit';
import { type Money, money } from '@pos/kit/currency';
import { PaymentStatus } from '../payment/payment.entity';
import { placeholders } from '../payment/payment.ledger';
import { HOLDS_FUNDS } from '../payment/payment.state';
import { OrderPaymentStatus } from './order.type';

/** An order's payments summed, in minor units of the order's currency (a payment is always in its order's). */
export interface OrderLedger {
  /** Taken and kept: approved or partly refunded payments, less what was refunded of them. */
  paid: number;
  /** What a new payment may not take: {@link paid} plus payments still waiting for the processor. */
  held: number;
  /** Returned to the card: refunds, and the rest of a settled payment the processor reversed. */
  refunded: number;
}

export const EMPTY_LEDGER: OrderLedger = { paid: 0, held: 0, refunded: 0 };

export interface OrderPaymentState {
  paymentStatus: OrderPaymentStatus;
  amountPaid: Money;
  amountDue: Money;
  amountRefunded: Money;
}

/**
 * The payment state of an order of `total` with this ledger. What is due is what createPayment would still accept
 * (the total less what is held), so a partial refund makes its amount due again, and a pending payment reserves its
 * amount until the processor answers.
 */
export function orderPaymentState(total: Money, ledger: OrderLedger): OrderPaymentState {
  return {
    paymentStatus: orderPaymentStatus(total.amountMinor, ledger),
    amountPaid: money(ledger.paid, total.currency),
    amountDue: money(Math.max(total.amountMinor - ledger.held, 0), total.currency),
    amountRefunded: money(ledger.refunded, total.currency),
  };
}

/** The rule each {@link OrderPaymentStatus} value documents; refunds take precedence over payments. */
export function orderPaymentStatus(totalMinor: number, ledger: OrderLedger): OrderPaymentStatus {
  if (ledger.refunded > 0) return ledger.paid > 0 ? OrderPaymentStatus.PARTIALLY_REFUNDED : OrderPaymentStatus.REFUNDED;
  if (ledger.paid >= totalMinor) return OrderPaymentStatus.PAID;
  return ledger.paid > 0 ? OrderPaymentStatus.PARTIALLY_PAID : OrderPaymentStatus.UNPAID;
}

const KEPT: readonly PaymentStatus[] = [PaymentStatus.APPROVED, PaymentStatus.PARTIALLY_REFUNDED];

/** The orders' side of the payments ledger. */
export class OrderPaymentService {
  constructor(private readonly em: EntityManager) {}

  /**
   * The ledgers of many orders in one query, of the caller's tenant only: an order id of another tenant shows an
   * empty ledger. Orders without payments are absent from the map.
   */
  async ledgers(principal: Principal, orderIds: readonly string[]): Promise<Map<string, OrderLedger>> {
    if (!orderIds.length) return new Map();
    const held = [...HOLDS_FUNDS];
    const rows = await this.em.execute<{ id: string; paid: string; held: string; refunded: string }[]>(
      `select order_id as id,
         sum(case when status in (${placeholders(KEPT)}) then amount_cents - refunded_cents else 0 end)::text as paid,
         sum(case when status in (${placeholders(held)}) then amount_cents - refunded_cents else 0 end)::text as held,
         sum(refunded_cents + case when status = ? and settled_at is not null then amount_cents - refunded_cents
           else 0 end)::text as refunded
       from payments.payment where order_id in (${placeholders(orderIds)}) and tenant_id = ? group by order_id`,
      [...KEPT, ...held, PaymentStatus.REVERSED, ...orderIds, principal.tenantId],
    );
    return new Map(
      rows.map((row) => [row.id, { paid: Number(row.paid), held: Number(row.held), refunded: Number(row.refunded) }]),
    );
  }
}
