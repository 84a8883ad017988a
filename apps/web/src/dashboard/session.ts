import { ApolloClient, CombinedGraphQLErrors, InMemoryCache } from '@apollo/client';
import { DashboardActivityDocument, DashboardDocument, type DashboardSubscription } from '@pos/client';
import { type Client, createClient } from 'graphql-ws';
import { startOfLocalDay } from './format';
import { OperationErrors, SocketClosed, TrustedDocumentsWsLink } from './link';
import { type Counts, Tally } from './tally';

/**
 * The dashboard's session: sign-in and the connection; what it has counted is its tally (tally.ts). The page
 * renders its `view`.
 *
 * Start: `paymentActivity(from: <start of the local day>)` gives today's totals and `asOfCursor`, read in one
 * snapshot; `paymentEvents(after: asOfCursor)` then delivers exactly the events the totals do not include.
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
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 8000;
const HEARTBEAT_MS = 15_000;
const PONG_TIMEOUT_MS = 5000;

/** graphql-ws closes with 4403 when connection_init's token is refused. */
const CLOSE_FORBIDDEN = 4403;
/** The gateway closes a client that does not read what it is sent with 4008. */
const CLOSE_TOO_SLOW = 4008;

export type ConnectionState = 'idle' | 'connecting' | 'live' | 'reconnecting';

export interface View extends Counts {
  signedIn: boolean;
  /** Signed in by the partner portal's session (no token on the page): the way back is the portal. */
  viaPortal: boolean;
  state: ConnectionState;
  lastClose: number | null;
  lastCloseText: string | null;
  notice: string | null;
  signInError: string | null;
}

function codesOf(error: unknown): unknown[] {
  if (error instanceof OperationErrors) return error.codes;
  if (CombinedGraphQLErrors.is(error)) return error.errors.map((e) => e.extensions?.code);
  return [];
}

export class DashboardSession {
  private readonly tally = new Tally(() => this.token() !== null);
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

  constructor() {
    this.current = this.makeView();
    window.addEventListener('online', () => {
      // Back online: try at once rather than at the end of the current back-off.
      if (this.retryTimer !== undefined) {
        this.attempt = 0;
        this.connect();
      }
    });
    window.addEventListener('pagehide', () => this.tally.saveNow());
  }

  // ---- For React (useSyncExternalStore) ----

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly view = (): View => this.current;

  private makeView(): View {
    return {
      signedIn: this.token() !== null,
      viaPortal: this.viaPortal,
      state: this.state,
      lastClose: this.lastClose,
      lastCloseText: this.lastCloseText,
      notice: this.notice,
      signInError: this.signInError,
      ...this.tally.counts(),
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
    this.tally.clear();
    sessionStorage.setItem(TOKEN_KEY, value);
    this.signInError = null;
    this.start();
  }

  signOut(message: string | null): void {
    this.stop();
    this.viaPortal = false;
    sessionStorage.removeItem(TOKEN_KEY);
    this.tally.clear();
    this.state = 'idle';
    this.notice = null;
    this.signInError = message;
    this.changed();
  }

  private start(): void {
    this.tally.restore();
    this.notice = null;
    this.attempt = 0;
    this.state = this.tally.counted ? 'reconnecting' : 'connecting';
    this.changed();
    this.connect();
  }

  /** Ends the connection and every timer; what was counted stays. */
  private stop(): void {
    this.run += 1;
    clearTimeout(this.retryTimer);
    clearTimeout(this.midnightTimer);
    this.retryTimer = this.midnightTimer = undefined;
    this.tally.flush();
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
          if (this.tally.counted) this.setState('live');
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
    if (this.tally.cursor === null) void this.snapshot(run, apollo);
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
    this.tally.snapshot(from, activity);
    // The answer came over the socket the subscription goes out on next: the page is live from here.
    this.state = 'live';
    this.notice = null;
    this.changed();
    this.stream(run, apollo);
  }

  private stream(run: number, apollo: ApolloClient): void {
    this.scheduleMidnight(run);
    const subscription = apollo
      .subscribe({ query: DashboardDocument, variables: { after: this.tally.cursor }, fetchPolicy: 'no-cache' })
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
        this.tally.recount();
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
    if (codes.includes('BAD_USER_INPUT') && this.tally.cursor !== null) {
      // The saved position is not accepted (a different environment?): count today again from a snapshot.
      this.tally.recount();
      this.tally.saveNow();
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

  private receive(event: DashboardSubscription['paymentEvents']): void {
    this.tally.receive(event);
    this.state = 'live';
    this.notice = null;
    this.changed();
  }
}
