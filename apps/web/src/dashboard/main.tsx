import './dashboard.css';
import { type FormEvent, StrictMode, useEffect, useRef, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import { formatMoney, formatWhen } from './format';
import { DashboardSession, type View } from './session';

/**
 * The live payments dashboard (GET /dashboard): today's totals per location, event type and currency, the net per
 * location (approved minus refunded) and the live feed. Rendering only: the session (session.ts) holds the
 * connection and what was counted. Event data reaches the DOM only as text (React never writes HTML here; the
 * page's CSP requires Trusted Types for any HTML sink, and allows none).
 */

const session = new DashboardSession();

/** payment.approved, with a line-break opportunity after the dot for narrow screens (its text stays the same). */
function TypeLabel({ type }: { type: string }) {
  const dot = type.indexOf('.');
  if (dot < 0) return <>{type}</>;
  return (
    <>
      {type.slice(0, dot + 1)}
      <wbr />
      {type.slice(dot + 1)}
    </>
  );
}

function Header({ view }: { view: View }) {
  return (
    <header>
      <h1>
        Payments <span className="muted">dashboard</span>
      </h1>
      <div className="session" id="session" hidden={!view.signedIn}>
        <span
          id="status"
          className="status"
          data-state={view.state}
          data-last-close={view.lastClose ?? undefined}
          title={view.lastCloseText ?? undefined}
          role="status"
          aria-live="polite"
        >
          {view.state}
        </span>
        <span>
          Partner: <strong id="partner">{view.partnerId ?? '—'}</strong>
        </span>
        {view.viaPortal ? (
          <a href="/portal/" id="back-to-portal">
            Back to portal
          </a>
        ) : (
          <button type="button" id="sign-out" onClick={() => session.signOut(null)}>
            Sign out
          </button>
        )}
      </div>
    </header>
  );
}

function SignIn({ view }: { view: View }) {
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (!view.signedIn) input.current?.focus();
  }, [view.signedIn]);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = input.current?.value ?? '';
    if (input.current) input.current.value = '';
    session.signIn(value);
  };
  return (
    <section id="sign-in" className="card" hidden={view.signedIn}>
      <h2>Sign in</h2>
      <p>
        Paste an access token: an M2M token from <code>POST /oauth2/token</code> or a POS user token. It stays in this
        tab only (sessionStorage) and is sent only over this page&apos;s WebSocket.
      </p>
      <form id="sign-in-form" method="post" autoComplete="off" onSubmit={submit}>
        <label htmlFor="token">Access token</label>
        <textarea id="token" name="token" rows={4} spellCheck={false} required ref={input} />
        <p id="sign-in-error" className="error" role="alert" hidden={!view.signInError}>
          {view.signInError}
        </p>
        <button type="submit">Sign in</button>
      </form>
    </section>
  );
}

function Totals({ view }: { view: View }) {
  return (
    <div className="card">
      <h2>
        Today{' '}
        <span className="muted" id="totals-since">
          {view.from ? `(since ${formatWhen(view.from)})` : ''}
        </span>
      </h2>
      <table id="totals">
        <thead>
          <tr>
            <th scope="col">Location</th>
            <th scope="col">Event type</th>
            <th scope="col" className="num">
              Events
            </th>
            <th scope="col" className="num">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {view.totals.map((total) => (
            <tr key={`${total.locationId}|${total.type}|${total.currency}`}>
              <td>{total.locationName}</td>
              <td>
                <TypeLabel type={total.type} />
              </td>
              <td className="num">{String(total.count)}</td>
              <td className="num">{formatMoney(total.amountMinor, total.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="empty muted" id="totals-empty" hidden={view.totals.length > 0}>
        {view.counted ? 'No events yet today.' : 'Reading today’s totals…'}
      </p>
      <table id="net" hidden={view.net.length === 0}>
        <caption>Net per location: approved minus refunded</caption>
        <thead>
          <tr>
            <th scope="col">Location</th>
            <th scope="col" className="num">
              Approved
            </th>
            <th scope="col" className="num">
              Refunded
            </th>
            <th scope="col" className="num">
              Net
            </th>
          </tr>
        </thead>
        <tbody>
          {view.net.map((net) => (
            <tr key={net.key}>
              <td>{net.locationName}</td>
              <td className="num">{formatMoney(net.approved, net.currency)}</td>
              <td className="num">{formatMoney(net.refunded, net.currency)}</td>
              <td className="num">{formatMoney(net.net, net.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Feed({ view }: { view: View }) {
  return (
    <div className="card">
      <h2>
        Live feed <span className="muted">(newest first, last 200)</span>
      </h2>
      <table id="feed">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Type</th>
            <th scope="col">Location</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col">Status</th>
            <th scope="col">Payment</th>
          </tr>
        </thead>
        <tbody>
          {view.feed.map((entry) => (
            <tr
              key={entry.id}
              data-event-id={entry.id}
              className={view.fresh.has(entry.id) ? 'fresh' : undefined}
              title={`event ${entry.id}`}
            >
              <td className="time">{formatWhen(entry.occurredAt)}</td>
              <td className="type">
                <TypeLabel type={entry.type} />
              </td>
              <td className="location">{entry.locationName}</td>
              <td className="num amount">{formatMoney(entry.amountMinor, entry.currency)}</td>
              <td className="state">{entry.status}</td>
              <td className="mono payment">{entry.paymentId}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Dashboard() {
  const view = useSyncExternalStore(session.subscribe, session.view);
  return (
    <>
      <Header view={view} />
      <main>
        <SignIn view={view} />
        <section id="dashboard" hidden={!view.signedIn}>
          <p id="notice" className="notice" role="alert" hidden={!view.notice}>
            {view.notice}
          </p>
          <Totals view={view} />
          <Feed view={view} />
        </section>
      </main>
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Dashboard />
  </StrictMode>,
);
session.resume();
