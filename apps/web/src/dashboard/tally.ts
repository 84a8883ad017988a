import type { DashboardActivityQuery, DashboardSubscription } from '@pos/client';
import { startOfLocalDay, typeLabel } from './format';

/**
 * What the dashboard has counted: the feed of recent events and today's totals per (location, type, currency), up
 * to the cursor of the last event counted, kept together in this tab's sessionStorage so that a reload resumes
 * consistently. No connection here: the session (session.ts) hands it the snapshot and then each event.
 *
 * Each event adds to its (location, type, currency) total what it moved: a refund event its refund's own amount,
 * every other event the payment's amount, as the snapshot sums them. Events are deduplicated by id.
 */

const STATE_KEY = 'pos-dashboard.state';
const FEED_LIMIT = 200;
const SEEN_LIMIT = 2000;
const SAVE_DELAY_MS = 200;

export interface FeedEntry {
  id: string;
  /** Dotted, as webhooks spell it: payment.approved. */
  type: string;
  occurredAt: string;
  locationName: string;
  /** What the event moved, in minor units: a refund's own amount for payment.refunded. */
  amountMinor: string;
  currency: string;
  status: string;
  paymentId: string;
}

export interface Total {
  locationId: string;
  locationName: string;
  /** Dotted, as webhooks spell it: payment.approved. */
  type: string;
  currency: string;
  count: number;
  /** Minor units as decimal digits: the snapshot's sums may exceed what a number holds exactly. */
  amountMinor: string;
}

/** Per location and currency: approved minus refunded. */
export interface Net {
  key: string;
  locationName: string;
  currency: string;
  approved: string;
  refunded: string;
  net: string;
}

/** The part of the page's view that the tally gives. */
export interface Counts {
  partnerId: string | null;
  from: string | null;
  /** Whether the starting snapshot has been read (false: totals not known yet). */
  counted: boolean;
  feed: FeedEntry[];
  fresh: ReadonlySet<string>;
  totals: Total[];
  net: Net[];
}

interface Saved {
  /** The start of the local day the totals count from (ISO). */
  from: string;
  /** The last event counted (or the snapshot's asOfCursor): where the stream resumes. */
  cursor: string | null;
  partnerId: string | null;
  feed: FeedEntry[];
  totals: Record<string, Total>;
  seen: string[];
}

type Activity = DashboardActivityQuery['paymentActivity'];
type DashboardEvent = DashboardSubscription['paymentEvents'];

const APPROVED = 'payment.approved';
const REFUNDED = 'payment.refunded';

const totalKey = (t: { locationId: string; type: string; currency: string }) =>
  `${t.locationId}|${t.type}|${t.currency}`;

function emptySaved(from: string): Saved {
  return { from, cursor: null, partnerId: null, feed: [], totals: {}, seen: [] };
}

function loadSaved(): Saved | null {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STATE_KEY) ?? 'null') as Saved | null;
    if (
      saved &&
      typeof saved.from === 'string' &&
      Array.isArray(saved.feed) &&
      Array.isArray(saved.seen) &&
      typeof saved.totals === 'object'
    ) {
      return saved;
    }
  } catch {
    // A corrupt entry: start afresh.
  }
  return null;
}

/** Of a session saved on another day (or before its snapshot): the feed and partner, not the totals. */
function pick(saved: Saved | null): Partial<Saved> {
  return saved ? { feed: saved.feed, seen: saved.seen, partnerId: saved.partnerId } : {};
}

function sortedTotals(totals: Record<string, Total>): Total[] {
  return Object.values(totals).sort(
    (a, b) =>
      a.locationId.localeCompare(b.locationId, undefined, { numeric: true }) ||
      a.type.localeCompare(b.type) ||
      a.currency.localeCompare(b.currency),
  );
}

function netOf(totals: Total[]): Net[] {
  const nets = new Map<string, Net>();
  for (const total of totals) {
    if (total.type !== APPROVED && total.type !== REFUNDED) continue;
    const key = `${total.locationId}|${total.currency}`;
    const net = nets.get(key) ?? {
      key,
      locationName: total.locationName,
      currency: total.currency,
      approved: '0',
      refunded: '0',
      net: '0',
    };
    if (total.type === APPROVED) net.approved = total.amountMinor;
    else net.refunded = total.amountMinor;
    net.net = (BigInt(net.approved) - BigInt(net.refunded)).toString();
    nets.set(key, net);
  }
  return [...nets.values()];
}

export class Tally {
  private saved: Saved = emptySaved(startOfLocalDay().toISOString());
  private seen = new Set<string>();
  private fresh = new Set<string>();
  private isCounted = false;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;

  /** `signedIn` says whether there is a session to save for: signed out, nothing is written. */
  constructor(private readonly signedIn: () => boolean) {}

  /** The last event counted (or the snapshot's asOfCursor): null until today's snapshot has been read. */
  get cursor(): string | null {
    return this.saved.cursor;
  }

  /** Whether the starting snapshot has been read (false: totals not known yet). */
  get counted(): boolean {
    return this.isCounted;
  }

  counts(): Counts {
    const totals = sortedTotals(this.saved.totals);
    return {
      partnerId: this.saved.partnerId,
      from: this.isCounted ? this.saved.from : null,
      counted: this.isCounted,
      feed: this.saved.feed,
      fresh: this.fresh,
      totals,
      net: netOf(totals),
    };
  }

  /** Takes up what this tab saved: all of it if it is today's and has a position, otherwise the feed only. */
  restore(): void {
    const today = startOfLocalDay().toISOString();
    const saved = loadSaved();
    // What was counted is reused only for today and with a position to resume from.
    this.saved =
      saved && saved.from === today && saved.cursor !== null ? saved : { ...emptySaved(today), ...pick(saved) };
    this.isCounted = this.saved.cursor !== null;
    this.seen = new Set(this.saved.seen);
    this.fresh = new Set();
  }

  /** Forgets everything, saved or not (signing in or out). */
  clear(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    sessionStorage.removeItem(STATE_KEY);
    this.saved = emptySaved(startOfLocalDay().toISOString());
    this.seen = new Set();
    this.fresh = new Set();
    this.isCounted = false;
  }

  /** Drops the totals and the position, so that the next connection counts from a new snapshot (the feed stays). */
  recount(): void {
    this.saved = { ...this.saved, cursor: null, totals: {} };
    this.isCounted = false;
  }

  /** Today's totals from `paymentActivity(from)`, counted up to its asOfCursor. */
  snapshot(from: string, activity: Activity): void {
    const totals: Record<string, Total> = {};
    for (const row of activity.totals) {
      const total: Total = {
        locationId: row.location.id,
        locationName: row.location.name,
        type: typeLabel(row.type),
        currency: row.currency,
        count: row.count,
        amountMinor: row.amount.amountMinor,
      };
      totals[totalKey(total)] = total;
    }
    this.saved = { ...this.saved, from, cursor: activity.asOfCursor, totals };
    this.isCounted = true;
    this.saveNow();
  }

  /** Counts one event of the stream, unless it was counted already. */
  receive(event: DashboardEvent): void {
    const saved = this.saved;
    // The cursor moves on even for a duplicate: it is where the next resume starts.
    saved.cursor = event.cursor;
    saved.partnerId = event.partnerId;
    if (!this.seen.has(event.id)) {
      this.seen.add(event.id);
      if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value!);
      const type = typeLabel(event.type);
      // What the event moved, as the snapshot counts it: a refund's own amount (events written before refunds
      // carried it: the payment's refunded total), the payment's amount for every other type.
      const moved =
        event.type === 'PAYMENT_REFUNDED' ? (event.refund?.amount ?? event.payload.refunded) : event.payload.amount;
      const entry: FeedEntry = {
        id: event.id,
        type,
        occurredAt: event.occurredAt,
        locationName: event.location.name,
        amountMinor: String(moved.amountMinor),
        currency: moved.currency,
        status: event.payload.status,
        paymentId: event.payload.paymentId,
      };
      saved.feed = [entry, ...saved.feed].slice(0, FEED_LIMIT);
      // Rows received since the page opened are highlighted once; the set is only as long as the feed.
      this.fresh = new Set(this.fresh.size < FEED_LIMIT ? this.fresh : []).add(entry.id);
      const key = totalKey({ locationId: event.location.id, type, currency: moved.currency });
      const total = saved.totals[key] ?? {
        locationId: event.location.id,
        locationName: event.location.name,
        type,
        currency: moved.currency,
        count: 0,
        amountMinor: '0',
      };
      saved.totals = {
        ...saved.totals,
        [key]: {
          ...total,
          locationName: event.location.name,
          count: total.count + 1,
          amountMinor: (BigInt(total.amountMinor) + BigInt(moved.amountMinor)).toString(),
        },
      };
    }
    this.saveSoon();
  }

  // ---- Saving: what was counted, up to `cursor`, together, so a reload resumes consistently ----

  saveNow(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.signedIn()) return;
    sessionStorage.setItem(STATE_KEY, JSON.stringify({ ...this.saved, seen: [...this.seen].slice(-SEEN_LIMIT) }));
  }

  /** Saves now if a save is waiting (the connection is ending). */
  flush(): void {
    if (this.saveTimer !== undefined) this.saveNow();
  }

  private saveSoon(): void {
    if (this.saveTimer === undefined) this.saveTimer = setTimeout(() => this.saveNow(), SAVE_DELAY_MS);
  }
}
