// The live payments dashboard (GET /dashboard). Plain JavaScript, no framework and no build step.
//
// It speaks the subset of graphql-ws's protocol (graphql-transport-ws, see graphql-ws's PROTOCOL.md) that it needs:
// connection_init carrying the token, subscribe, next, error, complete and ping/pong. Written out here rather than
// loading graphql-ws's client because graphql-ws 6 does not export a browser build the gateway could serve, and the
// page needs what the client does not give: every reconnect subscribes again with `after` set to the newest cursor,
// and a rejected token ends the session instead of retrying forever.
//
// Resuming: the page keeps the cursor of the last event it received (with the feed and totals it has counted up to
// that cursor) in sessionStorage. Whenever the socket closes, whatever the code (a network drop, 1001 from a gateway
// going away, 4008 from a gateway closing a client that reads too slowly), it reconnects with back-off and
// subscribes with `paymentEvents(after: <last cursor>)`: the gateway replays what committed meanwhile, then goes
// live. Events are also deduplicated by id here, in case a replay ever overlaps. With no cursor yet (first sign-in)
// it first asks for `paymentEventsCursor`, so even a drop before the first event loses nothing.
//
// Security: the token lives in sessionStorage (this tab only, gone when it closes), never in the URL or a cookie;
// it is sent only in connection_init. Event data reaches the page only through textContent (the CSP's
// require-trusted-types-for 'script' would refuse any HTML string anyway).

const TOKEN_KEY = 'pos-dashboard.token';
const STATE_KEY = 'pos-dashboard.state';
const FEED_LIMIT = 200;
const SEEN_LIMIT = 2000;
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 8000;
const ACK_TIMEOUT_MS = 10_000;
const HEARTBEAT_MS = 15_000;
const PONG_TIMEOUT_MS = 5000;

// graphql-ws closes with 4403 when connection_init's token is refused (onConnect returned false).
const CLOSE_FORBIDDEN = 4403;
// The gateway closes a client that does not read what it is sent with 4008 (README, "Slow clients").
const CLOSE_TOO_SLOW = 4008;

const EVENTS_QUERY = `subscription Dashboard($after: String) {
  paymentEvents(after: $after) {
    id cursor type locationId partnerId occurredAt
    payload { paymentId status amountCents refundedCents currency }
  }
}`;
const CURSOR_QUERY = 'query DashboardCursor { paymentEventsCursor }';

const $ = (id) => document.getElementById(id);
const ui = {
  signIn: $('sign-in'),
  form: $('sign-in-form'),
  tokenInput: $('token'),
  signInError: $('sign-in-error'),
  session: $('session'),
  status: $('status'),
  partner: $('partner'),
  signOut: $('sign-out'),
  dashboard: $('dashboard'),
  notice: $('notice'),
  totalsSince: $('totals-since'),
  totalsBody: document.querySelector('#totals tbody'),
  totalsEmpty: $('totals-empty'),
  feedBody: document.querySelector('#feed tbody'),
};

// ---- State: what the page has counted, up to `cursor`; saved together so a reload resumes consistently. ----

/** @returns {{cursor: string|null, partnerId: string|null, since: string, feed: object[], totals: object, seen: string[]}} */
function emptyState() {
  return { cursor: null, partnerId: null, since: new Date().toISOString(), feed: [], totals: {}, seen: [] };
}

function loadState() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STATE_KEY) ?? 'null');
    if (saved && Array.isArray(saved.feed) && Array.isArray(saved.seen) && typeof saved.totals === 'object') {
      return { ...emptyState(), ...saved };
    }
  } catch {
    // A corrupt entry: start afresh.
  }
  return emptyState();
}

let state = emptyState();
let seen = new Set();
let saveTimer = null;

function saveNow() {
  clearTimeout(saveTimer);
  saveTimer = null;
  if (!sessionStorage.getItem(TOKEN_KEY)) return;
  sessionStorage.setItem(STATE_KEY, JSON.stringify({ ...state, seen: [...seen].slice(-SEEN_LIMIT) }));
}

function saveSoon() {
  if (saveTimer === null) saveTimer = setTimeout(saveNow, 200);
}

// ---- Formatting: amounts are integer minor units (cents) in the data; only the display divides. ----

const moneyFormats = new Map();

function money(cents, currency) {
  if (!moneyFormats.has(currency)) {
    let format = null;
    try {
      format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    } catch {
      // Not an ISO 4217 code this browser knows: shown in minor units below.
    }
    moneyFormats.set(currency, format);
  }
  const format = moneyFormats.get(currency);
  if (!format) return `${cents} (${currency} minor units)`;
  // Build the exact decimal string from the integer (12345 USD -> "123.45") and let Intl format that string, so no
  // binary floating point ever touches an amount; the currency's own minor-unit digits (JPY 0, USD 2, KWD 3).
  const digits = format.resolvedOptions().maximumFractionDigits;
  const unit = 10 ** digits;
  const abs = Math.abs(cents);
  const fraction = digits ? `.${String(abs % unit).padStart(digits, '0')}` : '';
  return format.format(`${cents < 0 ? '-' : ''}${Math.floor(abs / unit)}${fraction}`);
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });

function when(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toDateString() === new Date().toDateString() ? timeFormat.format(date) : dateTimeFormat.format(date);
}

// The graph's PAYMENT_REVERSAL_SETTLED is shown as webhooks and REST spell it: payment.reversal_settled.
const typeLabel = (type) => type.toLowerCase().replace('_', '.');

const locationLabel = (locationId) => (locationId == null ? '—' : `Location ${locationId}`);

// ---- Rendering: elements and textContent only. ----

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function feedRow(entry, fresh) {
  const tr = document.createElement('tr');
  tr.dataset.eventId = entry.id;
  if (fresh) tr.className = 'fresh';
  tr.append(
    cell(when(entry.occurredAt)),
    cell(entry.type),
    cell(locationLabel(entry.locationId)),
    cell(money(entry.amountCents, entry.currency), 'num'),
    cell(entry.status),
    cell(entry.paymentId, 'mono'),
  );
  tr.title = `event ${entry.id}`;
  return tr;
}

function renderFeed() {
  ui.feedBody.replaceChildren(...state.feed.map((entry) => feedRow(entry, false)));
}

function renderTotals() {
  const rows = Object.values(state.totals).sort(
    (a, b) =>
      String(a.locationId).localeCompare(String(b.locationId), undefined, { numeric: true }) ||
      a.type.localeCompare(b.type) ||
      a.currency.localeCompare(b.currency),
  );
  ui.totalsBody.replaceChildren(
    ...rows.map((total) => {
      const tr = document.createElement('tr');
      tr.dataset.key = totalKey(total);
      tr.append(
        cell(locationLabel(total.locationId)),
        cell(total.type),
        cell(String(total.count), 'num'),
        cell(money(total.amountCents, total.currency), 'num'),
      );
      return tr;
    }),
  );
  ui.totalsEmpty.hidden = rows.length > 0;
  ui.totalsSince.textContent = `(since ${when(state.since)})`;
}

function renderPartner() {
  ui.partner.textContent = state.partnerId ?? '—';
}

function setStatus(connection) {
  ui.status.dataset.state = connection;
  ui.status.textContent = connection;
}

function showNotice(text) {
  ui.notice.textContent = text ?? '';
  ui.notice.hidden = !text;
}

// ---- Events ----

const totalKey = (t) => `${t.locationId ?? ''}|${t.type}|${t.currency}`;

function receive(event) {
  // The cursor moves on even for a duplicate: it is where the next resume starts.
  state.cursor = event.cursor;
  if (state.partnerId !== event.partnerId) {
    state.partnerId = event.partnerId;
    renderPartner();
  }
  if (seen.has(event.id)) {
    saveSoon();
    return;
  }
  seen.add(event.id);
  if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value);

  const p = event.payload;
  const entry = {
    id: event.id,
    type: typeLabel(event.type),
    occurredAt: event.occurredAt,
    locationId: event.locationId,
    paymentId: p.paymentId,
    status: p.status,
    amountCents: p.amountCents,
    currency: p.currency,
  };
  state.feed.unshift(entry);
  if (state.feed.length > FEED_LIMIT) state.feed.length = FEED_LIMIT;
  ui.feedBody.prepend(feedRow(entry, true));
  while (ui.feedBody.rows.length > FEED_LIMIT) ui.feedBody.lastElementChild.remove();

  // Totals per location, event type and currency: the number of events and the sum of their payments' amounts.
  const key = totalKey(entry);
  const total = (state.totals[key] ??= {
    locationId: entry.locationId,
    type: entry.type,
    currency: entry.currency,
    count: 0,
    amountCents: 0,
  });
  total.count += 1;
  total.amountCents += entry.amountCents;
  renderTotals();
  saveSoon();
}

// ---- The connection ----

const token = () => sessionStorage.getItem(TOKEN_KEY);
let socket = null;
let attempt = 0;
let retryTimer = null;
let ackTimer = null;
let heartbeatTimer = null;
let pongTimer = null;

function clearTimers() {
  for (const timer of [retryTimer, ackTimer, pongTimer]) clearTimeout(timer);
  clearInterval(heartbeatTimer);
  retryTimer = ackTimer = pongTimer = heartbeatTimer = null;
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function connect() {
  clearTimers();
  if (!token()) return;
  setStatus(attempt === 0 && state.cursor === null ? 'connecting' : 'reconnecting');
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  const ws = new WebSocket(url, 'graphql-transport-ws');
  socket = ws;
  ws.onopen = () => {
    if (ws !== socket) return;
    send({ type: 'connection_init', payload: { Authorization: `Bearer ${token()}` } });
    ackTimer = setTimeout(() => drop('The gateway did not acknowledge the connection.'), ACK_TIMEOUT_MS);
  };
  ws.onmessage = (message) => {
    if (ws !== socket) return;
    let parsed;
    try {
      parsed = JSON.parse(message.data);
    } catch {
      return drop('The gateway sent a malformed message.');
    }
    onMessage(parsed);
  };
  ws.onclose = (close) => {
    if (ws !== socket) return;
    socket = null;
    onClosed(close.code, close.reason);
  };
}

/** Gives up on the current socket (it may be half dead, so its close is not waited for) and reconnects later. */
function drop(reason) {
  const ws = socket;
  socket = null;
  if (ws) ws.close(1000, 'reconnecting');
  showNotice(reason);
  scheduleReconnect();
}

function onClosed(code, reason) {
  clearTimers();
  if (code === CLOSE_FORBIDDEN) {
    signOut('The gateway refused this token (expired, revoked or not valid here). Sign in again.');
    return;
  }
  const why =
    code === CLOSE_TOO_SLOW
      ? 'The gateway closed the connection because the page fell behind (4008).'
      : `Connection lost (${code}${reason ? `: ${reason}` : ''}).`;
  ui.status.dataset.lastClose = String(code);
  ui.status.title = `Last disconnect: ${why}`;
  showNotice(`${why} Resuming after the last event received…`);
  scheduleReconnect();
}

function scheduleReconnect() {
  clearTimers();
  if (!token()) return;
  setStatus('reconnecting');
  // Exponential back-off with jitter (half to all of the step), so a gateway restart is not met by every page at
  // the same instant.
  const step = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** attempt);
  attempt += 1;
  retryTimer = setTimeout(connect, step / 2 + (Math.random() * step) / 2);
}

function startHeartbeat() {
  // A socket whose peer vanished (a laptop waking up, a dropped NAT entry) may never report a close: a protocol
  // ping that goes unanswered is the page's own way to notice, and the gateway answers pings itself.
  heartbeatTimer = setInterval(() => {
    send({ type: 'ping' });
    clearTimeout(pongTimer);
    pongTimer = setTimeout(() => drop('The gateway stopped answering.'), PONG_TIMEOUT_MS);
  }, HEARTBEAT_MS);
}

function subscribeEvents() {
  send({
    id: 'events',
    type: 'subscribe',
    payload: { query: EVENTS_QUERY, variables: { after: state.cursor }, operationName: 'Dashboard' },
  });
}

function onMessage(message) {
  switch (message.type) {
    case 'connection_ack':
      clearTimeout(ackTimer);
      attempt = 0;
      showNotice(null);
      startHeartbeat();
      if (state.cursor === null) {
        send({ id: 'cursor', type: 'subscribe', payload: { query: CURSOR_QUERY, operationName: 'DashboardCursor' } });
      } else {
        // Resuming: the gateway replays what committed after the cursor, then continues live.
        subscribeEvents();
        setStatus('live');
      }
      return;
    case 'ping':
      send({ type: 'pong' });
      return;
    case 'pong':
      clearTimeout(pongTimer);
      return;
    case 'next':
      if (message.id === 'cursor') {
        const cursor = message.payload?.data?.paymentEventsCursor;
        if (typeof cursor === 'string') state.cursor = cursor;
        return;
      }
      if (message.id === 'events') {
        const event = message.payload?.data?.paymentEvents;
        if (event) {
          setStatus('live');
          showNotice(null);
          receive(event);
        } else if (message.payload?.errors) {
          showNotice(`An event could not be shown: ${errorText(message.payload.errors)}`);
        }
      }
      return;
    case 'error':
      onOperationError(message.id, Array.isArray(message.payload) ? message.payload : []);
      return;
    case 'complete':
      if (message.id === 'cursor') {
        // With or without a cursor (a refusal lands in 'error'), the stream starts now.
        saveNow();
        subscribeEvents();
        setStatus('live');
        showNotice(null);
      } else if (message.id === 'events') {
        drop('The gateway ended the stream.');
      }
      return;
    default:
  }
}

const errorText = (errors) => errors.map((e) => e?.message ?? 'error').join('; ');
const codesOf = (errors) => errors.map((e) => e?.extensions?.code);

function onOperationError(id, errors) {
  const codes = codesOf(errors);
  if (codes.includes('UNAUTHENTICATED') || codes.includes('FORBIDDEN')) {
    signOut(`This token may not read payment events: ${errorText(errors)}`);
    return;
  }
  if (id === 'cursor') {
    // No anchor: start live without one (a drop before the first event could then miss events).
    subscribeEvents();
    return;
  }
  if (codes.includes('BAD_USER_INPUT') && state.cursor !== null) {
    // The saved position is not accepted (a different environment?): continue from now, and say so.
    state.cursor = null;
    saveNow();
    drop(`The saved position was not accepted (${errorText(errors)}); continuing from now.`);
    return;
  }
  // UNAVAILABLE (the gateway gave up on the payments service, or fell behind) and anything else: resume later.
  drop(`The stream failed: ${errorText(errors)}. Resuming…`);
}

// ---- Session ----

function start() {
  state = loadState();
  seen = new Set(state.seen);
  ui.signIn.hidden = true;
  ui.session.hidden = false;
  ui.dashboard.hidden = false;
  renderPartner();
  renderTotals();
  renderFeed();
  showNotice(null);
  attempt = 0;
  connect();
}

function signOut(message) {
  clearTimers();
  clearTimeout(saveTimer);
  saveTimer = null;
  const ws = socket;
  socket = null;
  if (ws) ws.close(1000, 'signed out');
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(STATE_KEY);
  state = emptyState();
  seen = new Set();
  ui.feedBody.replaceChildren();
  ui.totalsBody.replaceChildren();
  setStatus('idle');
  ui.session.hidden = true;
  ui.dashboard.hidden = true;
  ui.signIn.hidden = false;
  ui.signInError.textContent = message ?? '';
  ui.signInError.hidden = !message;
  ui.tokenInput.focus();
}

ui.form.addEventListener('submit', (submit) => {
  submit.preventDefault();
  const value = ui.tokenInput.value.trim().replace(/^Bearer\s+/i, '');
  ui.tokenInput.value = '';
  if (!value) return;
  sessionStorage.removeItem(STATE_KEY);
  sessionStorage.setItem(TOKEN_KEY, value);
  ui.signInError.hidden = true;
  start();
});

ui.signOut.addEventListener('click', () => signOut(null));

// Back online: try at once rather than at the end of the current back-off.
window.addEventListener('online', () => {
  if (retryTimer !== null) {
    attempt = 0;
    connect();
  }
});
window.addEventListener('pagehide', saveNow);

if (token()) start();
else signOut(null);
