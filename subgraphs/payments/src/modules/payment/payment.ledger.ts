import type { EntityManager } from '@mikro-orm/postgresql';
import { RefundStatus } from '../refund/refund.entity';
import { HOLDS_FUNDS } from './payment.state';

/*
 * The payments ledger: what the payments of an order or check hold against what it owes, and what refunds of a
 * payment are still with the processor. A new payment or refund is decided on these sums under the lock of the
 * order's or check's ledger row (or of the payment), so concurrent requests never take more than is there.
 */

/** `?, ?, …`: one placeholder per value, for an `in (…)` list. */
export const placeholders = (values: readonly unknown[]) => values.map(() => '?').join(', ');

/** Creates the ledger row of an order or check if needed and locks it until the transaction ends. */
export async function lockPayable(tx: EntityManager, tenantId: string, id: string, kind: 'order' | 'check') {
  await tx.execute(
    `insert into payments.payable (id, tenant_id, kind, created_at) values (?, ?, ?, now()) on conflict (id) do nothing`,
    [id, tenantId, kind],
  );
  await tx.execute(`select id from payments.payable where id = ? for update`, [id]);
}

/** What payments against an order or check hold: approved or pending amounts, less what was refunded. */
export async function amountHeld(tx: EntityManager, column: 'order_id' | 'check_id', id: string): Promise<number> {
  return (await amountsHeld(tx, column, [id])).get(id) ?? 0;
}

/** {@link amountHeld} of many orders or checks in one query, optionally only the payments of one tenant. */
export async function amountsHeld(
  em: EntityManager,
  column: 'order_id' | 'check_id',
  ids: readonly string[],
  tenantId?: string,
): Promise<Map<string, number>> {
  if (!ids.length) return new Map();
  const rows = await em.execute<{ id: string; held: string }[]>(
    `select ${column} as id, sum(amount_cents - refunded_cents)::text as held from payments.payment
     where ${column} in (${placeholders(ids)}) and status in (${placeholders([...HOLDS_FUNDS])})
     ${tenantId ? 'and tenant_id = ?' : ''} group by ${column}`,
    [...ids, ...HOLDS_FUNDS, ...(tenantId ? [tenantId] : [])],
  );
  return new Map(rows.map((row) => [row.id, Number(row.held)]));
}

/** What refunds of a payment still with the processor add up to: already reserved, not yet refunded. */
export async function pendingRefunds(tx: EntityManager, paymentId: string): Promise<number> {
  const [row] = await tx.execute<{ pending: string }[]>(
    `select coalesce(sum(amount_cents), 0)::text as pending from payments.refund where payment_id = ? and status = ?`,
    [paymentId, RefundStatus.PENDING],
  );
  return Number(row.pending);
}
