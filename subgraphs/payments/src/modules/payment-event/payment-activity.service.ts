import type { EntityManager } from '@mikro-orm/postgresql';
import { type Principal, badInput } from '@pos/kit';
import { eventLocationScope } from './payment-event.hub';

/** One group of a tenant's payment events: a location, a currency and a type, with their count and sum. */
export interface PaymentActivityRow {
  locationId: number;
  currency: string;
  /** The dotted spelling (`payment.approved`). */
  type: string;
  count: number;
  /** The sum in minor units, as decimal digits: it may exceed what a GraphQL Int (or a JS number) holds. */
  amountMinor: string;
}

export interface PaymentActivity {
  /** The seq of the caller's newest event the totals include: `paymentEvents(after:)` continues right after it. */
  asOfCursor: string;
  totals: PaymentActivityRow[];
}

export interface PaymentActivityWindow {
  locationIds?: number[] | null;
  from: Date;
  to?: Date | null;
}

/**
 * The totals a dashboard starts from, and where its event stream takes over. The head of the caller's outbox and
 * the sums over every event up to it are read by one statement, so from one snapshot: a partner's outbox writers
 * commit one after another in seq order (recordPaymentEvent's per-partner lock), so that snapshot holds exactly the events up
 * to its head, and `paymentEvents(after: asOfCursor)` delivers exactly the ones after it: no gap, no double count.
 *
 * An event's amount is what it moved: a refund's own amount for payment.refunded (events written before refunds
 * carried it count the payment's refunded total), the payment's amount without the tip for every other type.
 */
export class PaymentActivityService {
  constructor(private readonly em: EntityManager) {}

  async activity(principal: Principal, window: PaymentActivityWindow): Promise<PaymentActivity> {
    if (Number.isNaN(window.from.getTime()) || (window.to && Number.isNaN(window.to.getTime()))) {
      throw badInput('Invalid time window', ['from/to: must be dates']);
    }
    if (window.to && window.to.getTime() < window.from.getTime()) {
      throw badInput('Invalid time window', ['to: must not be before from']);
    }
    const locations = eventLocationScope(principal, window.locationIds);
    const rows = await this.em.getConnection().execute<
      Array<{
        as_of: string;
        location_id: number | null;
        currency: string | null;
        type: string | null;
        count: number | null;
        amount: string | null;
      }>
    >(
      `with head as (
         select coalesce(max(seq), 0) as seq from payments.payment_event where tenant_id = ?
       ), totals as (
         select e.location_id, e.payload->>'currency' as currency, e.type, count(*)::int as count,
                sum(case when e.type = 'payment.refunded'
                         then coalesce((e.payload->'refund'->>'amountCents')::bigint,
                                       (e.payload->>'refundedCents')::bigint)
                         else (e.payload->>'amountCents')::bigint end)::text as amount
         from payments.payment_event e
         where e.tenant_id = ? and e.seq <= (select seq from head) and e.location_id is not null
           and e.occurred_at >= ? and (?::timestamptz is null or e.occurred_at < ?::timestamptz)
           and (?::int[] is null or e.location_id = any(?::int[]))
         group by e.location_id, e.payload->>'currency', e.type
       )
       select head.seq::text as as_of, totals.* from head left join totals on true
       order by totals.location_id, totals.currency, totals.type`,
      [
        principal.tenantId,
        principal.tenantId,
        window.from,
        window.to ?? null,
        window.to ?? null,
        locations ? `{${locations.join(',')}}` : null,
        locations ? `{${locations.join(',')}}` : null,
      ],
    );
    return {
      asOfCursor: rows[0]?.as_of ?? '0',
      totals: rows
        .filter((r) => r.location_id !== null)
        .map((r) => ({
          locationId: r.location_id!,
          currency: r.currency!,
          type: r.type!,
          count: r.count!,
          amountMinor: r.amount ?? '0',
        })),
    };
  }
}
