import { ApolloClient, CombinedGraphQLErrors, InMemoryCache } from '@apollo/client';
import { DashboardActivityDocument, DashboardDocument, type DashboardSubscription } from '@pos/client';
import { type Client, createClient } from 'graphql-ws';
import { startOfLocalDay, typeLabel } from './format';
import { OperationErrors, SocketClosed, TrustedDocumentsWsLink } from './link';

/**
 * The dashboard's session: sign-in, the connection and what it has counted. The page renders its `view`.
 *
 * Start: `paymentActivity(from: <start of the local day>)` gives today's totals and `asOfCursor`, read in one
 * snapshot; `paymentEvents(after: asOfCursor)` then delivers exactly the events the totals do not include. Each
 * event adds to its (location, type, currency) total what it moved: a refund event its refund's own amount, every
 * other event the payment's amount, as the snapshot sums them.
 *
 * Resume: the page keeps the cursor of the last event it counted, with the feed and totals up to it, in
 * sessionStorage. Whenever the operation fails for a reason that is not the token's (a network drop, 1001 from a
 * gateway going away, 4008 from a gateway closing a client that fell behind), it reconnects with back-off and
 * subscribes with `after: <last cursor>`: the gateway replays what committed meanwhile, then goes live. A reload
 * resumes the same way, unless the day changed, which starts again from a snapshot of the new day (as local
 * midnight does while the page is open). Events are also deduplicated by id.
 *
 * Everything goes over one graphql-ws connection on /graphql, sent by hash (link.ts). The token lives in this
 * tab's sessionStorage and is sent only in connection_init; a token the gateway refuses (close 4403) or that may
 * not read payment events ends the session.
 */

const TOKEN_KEY = 'pos-dashboard.token';
const STATE_KEY = 'pos-dashboard.state';
const FEED_LIMIT = 200;
const SEEN_LIMIT = 2000;
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 8000;
const HEARTBEAT_MS = 15_000;
const PONG_TIMEOUT_MS = 5000;

/** graphql-ws closes with 4403 when connection_init's token is refused. */
const CLOSE_FORBIDDEN = 4403;
/** The gateway closes a client that does not read what it is sent with 4008. */
const CLOSE_TOO_SLOW = 4008;

export type ConnectionState = 'idle' | 'connecting' | 'live' | 'reconnecting';

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

export interface View {
  signedIn: boolean;
  /** Signed in by the partner portal's session (no token on the page): the way back is the portal. */
  viaPortal: boolean;
  state: ConnectionState;
  lastClose: number | null;
  lastCloseText: string | null;
  notice: string | null;
  signInError: string | null;
  partnerId: string | null;
  from: string | null;
  /** Whether the starting snapshot has been read (false: totals not known yet). */
  counted: boolean;
  feed: FeedEntry[];
  fresh: ReadonlySet<string>;
  totals: Total[];
  net: Net[];
}

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

function codesOf(error: unknown): unknown[] {
  if (error instanceof OperationErrors) return error.codes;
  if (CombinedGraphQLErrors.is(error)) return error.errors.map((e) => e.extensions?.code);
  return [];
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

type DashboardEvent = DashboardSubscription['paymentEvents'];

export class DashboardSession {
  private saved: Saved = emptySaved(startOfLocalDay().toISOString());
  private seen = new Set<string>();
  private fresh = new Set<string>();
  private counted = false;
  private state: ConnectionState = 'idle';
  private lastClose: number | null = null;
  private lastCloseText: string | null = null;
  private notice: string | null = null;
  private signInError: string | null = null;
  private current: View;
  private readonly listeners = new Set<() => void>();

  /** Bumped by every start, stop and reconnect: a callback of an older run does nothing. */
  private run = 0;
  private attempt = 0;
  private ws: Client | null = null;
  private apollo: ApolloClient | null = null;
  private stopStream: (() => void) | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private midnightTimer: ReturnType<typeof setTimeout> | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    this.current = this.makeView();
    window.addEventListener('online', () => {
      // Back online: try at once rather than at the end of the current back-off.
      if (this.retryTimer !== undefined) {
        this.attempt = 0;
        this.connect();
      }
    });
    window.addEventListener('pagehide', () => this.saveNow());
  }

  // ---- For React (useSyncExternalStore) ----

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly view = (): View => this.current;

  private makeView(): View {
    const totals = sortedTotals(this.saved.totals);
    return {
      signedIn: this.token() !== null,
      viaPortal: this.viaPortal,
      state: this.state,
      lastClose: this.lastClose,
      lastCloseText: this.lastCloseText,
      notice: this.notice,
      signInError: this.signInError,
      partnerId: this.saved.partnerId,
      from: this.counted ? this.saved.from : null,
      counted: this.counted,
      feed: this.saved.feed,
      fresh: this.fresh,
      totals,
      net: netOf(totals),
    };
  }

  private changed(): void {
    this.current = this.makeView();
    for (const listener of this.listeners) listener();
  }

  // ---- Session ----

  /**
   * Opened from the partner portal (Payments → Live) by a signed-in person: the gateway's session cookie is the
   * credential, sent by the browser with the WebSocket's upgrade, and the page holds no token at all.
   */
  private viaPortal = false;

  /** The pasted token, or '' for the portal's session; null when signed out. */
  private token(): string | null {
    return this.viaPortal ? '' : sessionStorage.getItem(TOKEN_KEY);
  }

  /**
   * Resumes a session this tab already has (a reload), or, opened from the portal (`?via=portal`: a hint, no
   * credential), the portal person's session (the gateway answers who is signed in at /portal/session); otherwise
   * shows the sign-in form.
   */
  resume(): void {
    if (this.token()) return this.start();
    if (new URLSearchParams(window.location.search).get('via') !== 'portal') return this.signOut(null);
    void fetch('/portal/session', { credentials: 'same-origin' })
      .then((res) => res.ok)
      .catch(() => false)
      .then((signedIn) => {
        if (!signedIn) return this.signOut(null);
        this.viaPortal = true;
        this.start();
      });
  }

  signIn(pasted: string): void {
    const value = pasted.trim().replace(/^Bearer\s+/i, '');
    if (!value) return;
    sessionStorage.removeItem(STATE_KEY);
    sessionStorage.setItem(TOKEN_KEY, value);
    this.signInError = null;
    this.start();
  }

  signOut(message: string | null): void {
    this.stop();
    this.viaPortal = false;
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(STATE_KEY);
    this.saved = emptySaved(startOfLocalDay().toISOString());
    this.seen = new Set();
    this.fresh = new Set();
    this.counted = false;
    this.state = 'idle';
    this.notice = null;
    this.signInError = message;
    this.changed();
  }

  private start(): void {
    const today = startOfLocalDay().toISOString();
    const saved = loadSaved();
    // What was counted is reused only for today and with a position to resume from.
    this.saved =
      saved && saved.from === today && saved.cursor !== null ? saved : { ...emptySaved(today), ...pick(saved) };
    this.counted = this.saved.cursor !== null;
    this.seen = new Set(this.saved.seen);
    this.fresh = new Set();
    this.notice = null;
    this.attempt = 0;
    this.state = this.counted ? 'reconnecting' : 'connecting';
    this.changed();
    this.connect();
  }

  /** Ends the connection and every timer; what was counted stays. */
  private stop(): void {
    this.run += 1;
    clearTimeout(this.retryTimer);
    clearTimeout(this.midnightTimer);
    this.retryTimer = this.midnightTimer = undefined;
    if (this.saveTimer !== undefined) this.saveNow();
    this.stopStream?.();
    this.stopStream = null;
    const ws = this.ws;
    this.ws = null;
    this.apollo = null;
    void ws?.dispose();
  }

  // ---- The connection ----

  /** A graphql-ws client for one run: no retries of its own (this class resumes, with a new `after`). */
  private client(run: number): ApolloClient {
    let socket: WebSocket | null = null;
    let pongTimer: ReturnType<typeof setTimeout> | undefined;
    const url = new URL('/graphql', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    this.ws = createClient({
      url: url.href,
      // Through the portal, nothing: the gateway takes the session cookie of the upgrade request instead.
      connectionParams: () => (this.viaPortal ? {} : { Authorization: `Bearer ${this.token() ?? ''}` }),
      retryAttempts: 0,
      // The snapshot's query and the subscription after it share one socket.
      lazyCloseTimeout: 2000,
      // A socket whose peer vanished (a laptop waking up, a dropped NAT entry) may never report a close: a ping
      // left unanswered is the page's own way to notice, and the gateway answers pings itself.
      keepAlive: HEARTBEAT_MS,
      on: {
        connected: (opened) => {
          socket = opened as WebSocket;
          if (run !== this.run) return;
          this.attempt = 0;
          if (this.counted) this.setState('live');
        },
        ping: (received) => {
          if (received) return;
          clearTimeout(pongTimer);
          pongTimer = setTimeout(() => socket?.close(4408, 'Ping timeout'), PONG_TIMEOUT_MS);
        },
        pong: (received) => {
          if (received) clearTimeout(pongTimer);
        },
        closed: () => clearTimeout(pongTimer),
      },
    });
    this.apollo = new ApolloClient({ link: new TrustedDocumentsWsLink(this.ws), cache: new InMemoryCache() });
    return this.apollo;
  }

  private connect(): void {
    this.stop();
    if (this.token() === null) return;
    const run = this.run;
    const apollo = this.client(run);
    if (this.saved.cursor === null) void this.snapshot(run, apollo);
    else this.stream(run, apollo);
  }

  /** Today's totals and the cursor the stream continues from, in one read. */
  private async snapshot(run: number, apollo: ApolloClient): Promise<void> {
    const from = startOfLocalDay().toISOString();
    let activity;
    try {
      const { data } = await apollo.query({
        query: DashboardActivityDocument,
        variables: { from },
        fetchPolicy: 'no-cache',
      });
      activity = data!.paymentActivity;
    } catch (error) {
      if (run === this.run) this.failed(error);
      return;
    }
    if (run !== this.run) return;
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
    this.counted = true;
    // The answer came over the socket the subscription goes out on next: the page is live from here.
    this.state = 'live';
    this.notice = null;
    this.saveNow();
    this.changed();
    this.stream(run, apollo);
  }

  private stream(run: number, apollo: ApolloClient): void {
    this.scheduleMidnight(run);
    const subscription = apollo
      .subscribe({ query: DashboardDocument, variables: { after: this.saved.cursor }, fetchPolicy: 'no-cache' })
      .subscribe({
        next: (result) => {
          if (run !== this.run) return;
          if (result.error) return this.failed(result.error);
          if (result.data) this.receive(result.data.paymentEvents);
        },
        error: (error: unknown) => {
          if (run === this.run) this.failed(error);
        },
        complete: () => {
          if (run === this.run) this.retry('The gateway ended the stream.');
        },
      });
    this.stopStream = () => subscription.unsubscribe();
  }

  /** At local midnight the totals start again from a snapshot of the new day (the feed stays). */
  private scheduleMidnight(run: number): void {
    clearTimeout(this.midnightTimer);
    const now = new Date();
    const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
    this.midnightTimer = setTimeout(
      () => {
        if (run !== this.run) return;
        this.saved = { ...this.saved, cursor: null, totals: {} };
        this.counted = false;
        this.changed();
        this.connect();
      },
      midnight.getTime() - now.getTime() + 1000,
    );
  }

  private failed(error: unknown): void {
    if (error instanceof SocketClosed && error.code === CLOSE_FORBIDDEN) {
      this.signOut(
        this.viaPortal
          ? 'Your portal session has ended. Sign in to the portal again, or paste a token.'
          : 'The gateway refused this token (expired, revoked or not valid here). Sign in again.',
      );
      return;
    }
    const codes = codesOf(error);
    const message = error instanceof Error ? error.message : String(error);
    if (codes.includes('UNAUTHENTICATED') || codes.includes('FORBIDDEN')) {
      this.signOut(`This token may not read payment events: ${message}`);
      return;
    }
    if (codes.includes('BAD_USER_INPUT') && this.saved.cursor !== null) {
      // The saved position is not accepted (a different environment?): count today again from a snapshot.
      this.saved = { ...this.saved, cursor: null, totals: {} };
      this.counted = false;
      this.saveNow();
      this.retry(`The saved position was not accepted (${message}); counting today again.`);
      return;
    }
    if (error instanceof SocketClosed) {
      const why =
        error.code === CLOSE_TOO_SLOW
          ? 'The gateway closed the connection because the page fell behind (4008).'
          : error.message;
      this.lastClose = error.code;
      this.lastCloseText = `Last disconnect: ${why}`;
      this.retry(`${why} Resuming after the last event received…`);
      return;
    }
    // UNAVAILABLE (the gateway gave up on the payments service, or fell behind) and anything else: resume later.
    this.retry(`The stream failed: ${message}. Resuming…`);
  }

  /** Drops the connection and reconnects after a back-off. */
  private retry(notice: string): void {
    this.stop();
    if (this.token() === null) return;
    this.notice = notice;
    this.state = 'reconnecting';
    this.changed();
    // Exponential back-off with jitter (half to all of the step), so a gateway restart is not met by every page
    // at the same instant.
    const step = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.attempt);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => this.connect(), step / 2 + (Math.random() * step) / 2);
  }

  private setState(state: ConnectionState): void {
    if (this.state === state && this.notice === null) return;
    this.state = state;
    this.notice = null;
    this.changed();
  }

  // ---- Events ----

  private receive(event: DashboardEvent): void {
    const saved = this.saved;
    // The cursor moves on even for a duplicate: it is where the next resume starts.
    saved.cursor = event.cursor;
    saved.partnerId = event.partnerId;
    this.state = 'live';
    this.notice = null;
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
    this.changed();
  }

  // ---- Saving: what was counted, up to `cursor`, together, so a reload resumes consistently ----

  private saveNow(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (this.token() === null) return;
    sessionStorage.setItem(STATE_KEY, JSON.stringify({ ...this.saved, seen: [...this.seen].slice(-SEEN_LIMIT) }));
  }

  private saveSoon(): void {
    if (this.saveTimer === undefined) this.saveTimer = setTimeout(() => this.saveNow(), 200);
  }
}

/** Of a session saved on another day (or before its snapshot): the feed and partner, not the totals. */
function pick(saved: Saved | null): Partial<Saved> {
  return saved ? { feed: saved.feed, seen: saved.seen, partnerId: saved.partnerId } : {};
}
