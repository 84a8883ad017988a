/**
 * The POS launch page's session: the launch token from the address, its exchange, the refresh before the access
 * token runs out, and sign-out. The page renders its `view`.
 *
 * Tokens live in this object only, never in localStorage, sessionStorage, a cookie or a URL: whatever script could
 * read storage could take them, and a session that outlives the page is not needed by a person who opens the POS
 * from a launch link. So a reload ends the page's session (the page then says how to get a new link).
 *
 * The rules of launch links, sessions and refresh-token rotation are the gateway's (gateway/src/auth/launch.ts); this
 * file only follows the protocol (docs/api/authentication.md → "What a client must do"): one refresh at a time, never
 * a retry with a token that may have been spent, and on `invalid_grant` the session's tokens are dropped.
 */

/** The POS app's OAuth client id, which the gateway issues launch sessions to (gateway/src/auth/user-tokens.ts). */
const POS_APP_CLIENT_ID = 'pos-app';
const EXCHANGE_PATH = '/pos/v1/public/launch-exchange';
const TOKEN_PATH = '/oauth2/token';
const REVOKE_PATH = '/oauth2/revoke';

/** Refresh when this share of the access token's life has passed… */
const REFRESH_AT_SHARE = 0.8;
/** …and no later than this long before it ends (a slow network, a clock a little off). */
const REFRESH_MARGIN_SECONDS = 30;

export type RoleSlug = 'location_cashier' | 'location_manager';

/** Who is signed in, where: the exchange's answer, without its tokens. */
export interface Who {
  name: string;
  email: string;
  /** A role slug this page knows (RoleSlug), or a newer one it shows as it is. */
  role: string;
  locationId: number;
  /** Until when the session can be refreshed (ISO). */
  sessionExpiresAt: string;
}

/**
 * Why the page shows no session, picking its heading and sentence:
 * - link refusals: `missing` (no token in the address), `invalid` (unknown, forged, malformed), `expired`, `used`
 *   (opened before: that session is revoked), `inactive` (the person is deactivated), `unavailable` (the gateway
 *   could not be reached or did not answer; the link may still work);
 * - a session that stopped: `ended` (a refresh was refused: session over or revoked), `revoked` (the graph refused
 *   the access token), `lost` (a refresh's answer was lost, so its token may be spent);
 * - `revoke-failed`: signed out in the page, but the gateway could not be told.
 */
export type Reason =
  | 'missing'
  | 'invalid'
  | 'expired'
  | 'used'
  | 'inactive'
  | 'unavailable'
  | 'ended'
  | 'revoked'
  | 'lost'
  | 'revoke-failed';

export interface Problem {
  reason: Reason;
  /** The request's id (the gateway's x-request-id), to quote to support; null when no answer came. */
  reference: string | null;
  /** The gateway's own sentence, when it gave one. */
  detail: string | null;
}

export type View =
  | { state: 'signing-in' }
  | { state: 'signed-in'; who: Who }
  | { state: 'signing-out'; who: Who }
  | { state: 'refused'; problem: Problem; canRetry: boolean }
  | { state: 'ended'; problem: Problem }
  | { state: 'signed-out'; problem: Problem | null };

interface Tokens {
  access: string;
  refresh: string;
  /** Epoch ms after which the access token is refreshed before use. */
  refreshAt: number;
}

/**
 * Reads `#token=…` from the address and removes the fragment at once (history.replaceState, no navigation): the
 * token must not stay in the address bar, the history entry, a bookmark or a screenshot. Null when there is none.
 */
export function takeLaunchToken(): string | null {
  const fragment = window.location.hash.replace(/^#/, '');
  if (fragment) {
    window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
  }
  const token = new URLSearchParams(fragment).get('token');
  return token?.trim() || null;
}

/** The gateway's id of the request an answer is for: its x-request-id, or the `request id …` of a 500's details. */
function referenceOf(response: Response, body: unknown): string | null {
  const header = response.headers.get('x-request-id');
  if (header) return header;
  const details = (body as { details?: unknown } | null)?.details;
  const line = Array.isArray(details)
    ? (details as unknown[]).find((d) => typeof d === 'string' && d.startsWith('request id '))
    : null;
  return typeof line === 'string' ? line.slice('request id '.length) : null;
}

const readJson = (response: Response): Promise<Record<string, unknown> | null> =>
  response.json().then(
    (body: unknown) => (typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : null),
    () => null,
  );

const text = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

/** The launch exchange's refusal codes (gateway/src/rest/v1/launch.ts) as the page's reasons. */
const EXCHANGE_REASONS: Record<string, Reason> = {
  invalid_token: 'invalid',
  // The token is not even of a launch token's shape: cut short or altered on the way.
  validation_error: 'invalid',
  token_expired: 'expired',
  token_reused: 'used',
  user_inactive: 'inactive',
};

const form = (params: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(params),
  // Nothing of the browser's: the token in the body is the only credential.
  credentials: 'omit',
  cache: 'no-store',
});

export class LaunchSession {
  private current: View = { state: 'signing-in' };
  private readonly listeners = new Set<() => void>();
  private launchToken: string | null = null;
  private tokens: Tokens | null = null;
  private who: Who | null = null;
  private refreshing: Promise<void> | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped when a session starts or stops: a refresh answer of an earlier one changes nothing. */
  private generation = 0;
  /** Bumped by each exchange: the answer of one overtaken by a newer launch link is not kept. */
  private exchanges = 0;
  /** Told when the session's tokens are dropped, so the page can forget what it read with them. */
  onEnd: () => void = () => undefined;

  // ---- For React (useSyncExternalStore) ----

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly view = (): View => this.current;

  private show(view: View): void {
    this.current = view;
    for (const listener of this.listeners) listener();
  }

  // ---- Signing in ----

  /** Exchanges the launch token taken from the address; without one, says that the link carried none. */
  start(launchToken: string | null): void {
    this.launchToken = launchToken;
    if (!launchToken) {
      this.show({ state: 'refused', problem: { reason: 'missing', reference: null, detail: null }, canRetry: false });
      return;
    }
    void this.exchange();
  }

  /** After `unavailable`: the same launch token again (it was not spent, or the gateway says so). */
  retry(): void {
    if (this.launchToken && this.current.state === 'refused') void this.exchange();
  }

  /**
   * Another launch link opened in this tab while the page is open (a fragment change loads no new page): it may be
   * another person's, so the current session is signed out (revoked) before the new token is exchanged.
   */
  async relaunch(launchToken: string): Promise<void> {
    if (this.tokens) {
      const refreshToken = this.tokens.refresh;
      this.forget();
      await this.revoke(refreshToken).catch(() => undefined);
    }
    this.start(launchToken);
  }

  private async exchange(): Promise<void> {
    const token = this.launchToken!;
    const attempt = ++this.exchanges;
    this.show({ state: 'signing-in' });
    let response: Response;
    try {
      response = await fetch(EXCHANGE_PATH, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      // No answer: the token may or may not have been spent; trying again is safe (a spent one says so).
      if (attempt !== this.exchanges) return;
      return this.refuse({ reason: 'unavailable', reference: null, detail: null }, true);
    }
    const body = await readJson(response);
    if (attempt !== this.exchanges) {
      // A newer launch link took over meanwhile: the session this one opened is closed, not kept.
      const stale = text(body?.refresh_token);
      if (response.ok && stale) await this.revoke(stale).catch(() => undefined);
      return;
    }
    const reference = referenceOf(response, body);
    if (!response.ok || !body) {
      // A known refusal: the page's own heading says it (the gateway's message would only repeat it).
      const reason = EXCHANGE_REASONS[String(body?.code)];
      if (reason) return this.refuse({ reason, reference, detail: null }, false);
      // Too many requests, the gateway unavailable or failing: the link itself was not refused.
      const transient = response.status === 429 || response.status >= 500;
      return this.refuse(
        { reason: transient ? 'unavailable' : 'invalid', reference, detail: text(body?.message) },
        transient,
      );
    }
    const user = body.user as { name?: unknown; email?: unknown } | undefined;
    const access = text(body.access_token);
    const refresh = text(body.refresh_token);
    if (!access || !refresh || typeof body.location_id !== 'number' || !user) {
      return this.refuse({ reason: 'unavailable', reference, detail: 'The sign-in answer was incomplete.' }, false);
    }
    // Spent: nothing keeps it any longer.
    this.launchToken = null;
    this.generation += 1;
    this.who = {
      name: String(user.name ?? ''),
      email: String(user.email ?? ''),
      role: String(body.role ?? ''),
      locationId: body.location_id,
      sessionExpiresAt: String(body.session_expires_at ?? ''),
    };
    this.keep(access, refresh, Number(body.expires_in));
    this.show({ state: 'signed-in', who: this.who });
  }

  private refuse(problem: Problem, canRetry: boolean): void {
    if (!canRetry) this.launchToken = null;
    this.show({ state: 'refused', problem, canRetry });
  }

  // ---- The access token and its refresh ----

  /** Keeps a pair of tokens and schedules the refresh of the access token before it ends. */
  private keep(access: string, refresh: string, expiresIn: number): void {
    const lifetime = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 60;
    const refreshIn = Math.max(0, Math.min(lifetime * REFRESH_AT_SHARE, lifetime - REFRESH_MARGIN_SECONDS));
    this.tokens = { access, refresh, refreshAt: Date.now() + refreshIn * 1000 };
    this.schedule(refreshIn * 1000);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.refreshTimer);
    const generation = this.generation;
    this.refreshTimer = setTimeout(() => {
      if (generation === this.generation) void this.refresh().catch(() => undefined);
    }, delayMs);
  }

  /**
   * The access token for a request, refreshed first when it is due: a timer of a tab that slept fires late, and a
   * request must not go out with a token that ran out meanwhile. Rejects when the session has ended.
   */
  async accessToken(): Promise<string> {
    if (this.tokens && Date.now() >= this.tokens.refreshAt) await this.refresh();
    if (!this.tokens) throw new Error('The session has ended.');
    return this.tokens.access;
  }

  /** One refresh at a time: every caller waits for the one in flight (two with one token would revoke the session). */
  private refresh(): Promise<void> {
    this.refreshing ??= this.rotate().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async rotate(): Promise<void> {
    const generation = this.generation;
    // Offline, a request could not even leave: wait for the network rather than risk a lost answer.
    if (!navigator.onLine) await new Promise((resolve) => window.addEventListener('online', resolve, { once: true }));
    if (generation !== this.generation || !this.tokens) return;
    let response: Response;
    try {
      response = await fetch(
        TOKEN_PATH,
        form({ grant_type: 'refresh_token', refresh_token: this.tokens.refresh, client_id: POS_APP_CLIENT_ID }),
      );
    } catch {
      // The answer was lost: the gateway may have rotated the token already, and sending it again would be a reuse
      // that revokes the session. Nothing safe is left to do but end it here.
      if (generation === this.generation) this.end({ reason: 'lost', reference: null, detail: null });
      return;
    }
    const body = await readJson(response);
    if (generation !== this.generation) return;
    const reference = referenceOf(response, body);
    const access = text(body?.access_token);
    const refresh = text(body?.refresh_token);
    if (response.ok && access && refresh) {
      // Rotated: the token just sent no longer works, so the new one replaces it before anything else happens.
      this.keep(access, refresh, Number(body?.expires_in));
      return;
    }
    if (response.status === 429) {
      // Refused before the grant was looked at (the token is not spent): again once the wait is over.
      const wait = Number(response.headers.get('retry-after'));
      this.schedule((Number.isFinite(wait) && wait > 0 ? wait : 5) * 1000);
      return;
    }
    this.end({ reason: 'ended', reference, detail: text(body?.error_description) });
  }

  // ---- Ending ----

  /**
   * The graph refused `accessToken` (UNAUTHENTICATED): the session was revoked or the person's access changed. A
   * token the page no longer holds (a request that left before a new launch) says nothing of the current session.
   */
  refusedByGraph(accessToken: string | null, reference: string | null): void {
    if (this.current.state === 'signed-in' && accessToken === this.tokens?.access) {
      this.end({ reason: 'revoked', reference, detail: null });
    }
  }

  /** Drops the tokens and stops refreshing; the page shows why. */
  private end(problem: Problem): void {
    this.forget();
    this.show({ state: 'ended', problem });
  }

  private forget(): void {
    this.generation += 1;
    clearTimeout(this.refreshTimer);
    this.tokens = null;
    this.who = null;
    this.onEnd();
  }

  /**
   * Sign out: revokes the session at the gateway (RFC 7009, with the refresh token, which ends its access tokens
   * too) and forgets the tokens. The page forgets them whatever the answer; when the gateway could not be told, it
   * says so.
   */
  async signOut(): Promise<void> {
    if (this.current.state !== 'signed-in' || !this.who) return;
    this.show({ state: 'signing-out', who: this.who });
    // A refresh in flight is rotating the token: wait for it, so that the newest one is revoked.
    await this.refreshing?.catch(() => undefined);
    const refreshToken = this.tokens?.refresh;
    if (!refreshToken) return; // the refresh ended the session: the page already says why
    this.forget();
    const exchanges = this.exchanges;
    let problem: Problem | null = null;
    try {
      const reference = await this.revoke(refreshToken);
      if (reference !== undefined) problem = { reason: 'revoke-failed', reference, detail: null };
    } catch {
      problem = { reason: 'revoke-failed', reference: null, detail: null };
    }
    // Unless a launch link opened meanwhile has the page now.
    if (exchanges === this.exchanges) this.show({ state: 'signed-out', problem });
  }

  /**
   * Revokes the session of `refreshToken` at the gateway: undefined when it did, the refusal's reference when it
   * answered otherwise; rejects when no answer came.
   */
  private async revoke(refreshToken: string): Promise<string | null | undefined> {
    const response = await fetch(REVOKE_PATH, form({ token: refreshToken, client_id: POS_APP_CLIENT_ID }));
    if (response.ok) return undefined;
    return referenceOf(response, await readJson(response));
  }
}
