import './launch.css';
import { ApolloProvider, useQuery } from '@apollo/client/react';
import { PosLaunchLocationDocument, type PosLaunchLocationQuery } from '@pos/client';
import { StrictMode, useEffect, useRef, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import { formatMoney } from '../dashboard/format';
import { describeGraphError, launchClient } from './client';
import { LaunchSession, type Problem, type Reason, type View, type Who, takeLaunchToken } from './session';

/**
 * The POS launch page (GET /pos/launch#token=lt_…): where a launch link lands the POS staff. It takes the launch
 * token out of the address before anything else, exchanges it for a session, and shows who is signed in at which
 * location with that location's open checks, read through the graph with the session's access token. Sign out
 * revokes the session. Every refusal is a page with a heading and what to do next, never the gateway's JSON.
 */

// First, before React renders or anything could read or report the address: the token leaves the URL.
const launchToken = takeLaunchToken();
const session = new LaunchSession();
const { client, reference: graphReference } = launchClient(session);
// What was read with a session stays with it: gone from memory once it ends.
session.onEnd = () => void client.clearStore();

const NEW_LINK = 'Ask for a new launch link from your POS or partner app.';

const ROLE_NAMES: Record<string, string> = {
  location_cashier: 'Cashier',
  location_manager: 'Manager',
};

/** What each reason says: the tab's title, the page's heading, and its sentences (what happened, what to do). */
const PAGES: Record<Reason, { title: string; heading: string; sentences: string[] }> = {
  missing: {
    title: 'No launch link',
    heading: 'This page needs a launch link',
    sentences: [
      'It was opened without a sign-in token, so nobody is signed in. If you reloaded the page, that ended its ' +
        'session: a session is kept only while the page stays open.',
      NEW_LINK,
    ],
  },
  invalid: {
    title: 'Launch link not valid',
    heading: 'This launch link is not valid',
    sentences: ['The link is incomplete, was changed on the way, or was not made for this POS.', NEW_LINK],
  },
  expired: {
    title: 'Launch link expired',
    heading: 'This launch link has expired',
    sentences: ['A launch link works for 10 minutes after it is made, and this one is older.', NEW_LINK],
  },
  used: {
    title: 'Launch link already used',
    heading: 'This launch link was already used',
    sentences: [
      'A launch link signs in once. This one was opened before, so for your security the session it opened has ' +
        'been closed as well.',
      NEW_LINK,
    ],
  },
  inactive: {
    title: 'Account deactivated',
    heading: 'Your POS account is deactivated',
    sentences: [
      'The launch link is for an account that has been turned off, so it cannot sign in.',
      'Ask your manager to reactivate it, then ask for a new launch link from your POS or partner app.',
    ],
  },
  unavailable: {
    title: 'Sign-in failed',
    heading: 'We could not sign you in',
    sentences: ['The sign-in service could not be reached or did not answer. Your launch link may still work.'],
  },
  ended: {
    title: 'Session ended',
    heading: 'Your session has ended',
    sentences: [
      'It could not be renewed: a session lasts 12 hours from its launch link, and it may also have been closed.',
      NEW_LINK,
    ],
  },
  revoked: {
    title: 'Session ended',
    heading: 'Your session has ended',
    sentences: [
      'The gateway no longer accepts it: it was closed (for example because the same launch link was opened ' +
        'again), or your access at this location changed.',
      NEW_LINK,
    ],
  },
  lost: {
    title: 'Session ended',
    heading: 'Your session has ended',
    sentences: ['The connection dropped while the session was being renewed, so it could not safely go on.', NEW_LINK],
  },
  'revoke-failed': {
    title: 'Signed out on this device',
    heading: 'You are signed out on this device',
    sentences: [
      'This page has forgotten your session, but the gateway could not be told, so the session stays open there ' +
        'until it runs out (at most 12 hours after its launch link was opened).',
      'To sign in again, ask for a new launch link from your POS or partner app.',
    ],
  },
};

const SIGNED_OUT = {
  title: 'Signed out',
  heading: 'You are signed out',
  sentences: [
    'Your session is closed, on this device and at the gateway.',
    'To sign in again, ask for a new launch link from your POS or partner app.',
  ],
};

const HEADING_ID = 'page-heading';

function Reference({ id }: { id: string | null }) {
  if (!id) return null;
  return (
    <p className="reference">
      Reference: <code>{id}</code> (quote it if you contact support).
    </p>
  );
}

/** A page without a session: what happened, what to do, and the request's reference when there was one. */
function Notice({
  page,
  problem,
  onRetry,
}: {
  page: { heading: string; sentences: string[] };
  problem: Problem | null;
  onRetry?: () => void;
}) {
  return (
    <section className="card notice" aria-labelledby={HEADING_ID} data-reason={problem?.reason ?? 'signed-out'}>
      <h1 id={HEADING_ID} tabIndex={-1}>
        {page.heading}
      </h1>
      {page.sentences.map((sentence) => (
        <p key={sentence}>{sentence}</p>
      ))}
      {problem?.detail && <p className="muted">The gateway said: “{problem.detail}”</p>}
      <Reference id={problem?.reference ?? null} />
      {onRetry && (
        <p>
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        </p>
      )}
    </section>
  );
}

type Check = NonNullable<PosLaunchLocationQuery['location']>['checks']['nodes'][number];

function ChecksTable({ checks }: { checks: Check[] }) {
  if (!checks.length) return <p className="muted">No open checks at this location.</p>;
  return (
    <div className="table-wrap">
      <table aria-labelledby="checks-heading">
        <thead>
          <tr>
            <th scope="col">Check</th>
            <th scope="col">Table</th>
            <th scope="col" className="num">
              Total
            </th>
            <th scope="col" className="num">
              Amount due
            </th>
          </tr>
        </thead>
        <tbody>
          {checks.map((check) => (
            <tr key={check.id} data-pos-ref={check.posRef}>
              <th scope="row">
                <span className="pos-ref">{check.posRef}</span>
                {check.isLocked && <span className="badge">being paid</span>}
                <span className="order muted">Order {check.orderNumber}</span>
              </th>
              <td>{check.tableName ?? <span className="muted">none</span>}</td>
              <td className="num">{formatMoney(String(check.total.amountMinor), check.total.currency)}</td>
              <td className="num">{formatMoney(String(check.amountDue.amountMinor), check.amountDue.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** How often the open checks are read again while the page is open: they change as the floor works. */
const POLL_MS = 15_000;

/** Signed in: the location (by name), who is signed in there, and its open checks. */
function SignedIn({ who }: { who: Who }) {
  const { data, error, loading, refetch } = useQuery(PosLaunchLocationDocument, {
    variables: { id: String(who.locationId) },
    pollInterval: POLL_MS,
  });
  const location = data?.location;
  const role = ROLE_NAMES[who.role] ?? who.role;
  useEffect(() => {
    if (location?.name) document.title = `${location.name} — POS`;
  }, [location?.name]);
  const checks = location?.checks;
  return (
    <>
      <h1 id={HEADING_ID} tabIndex={-1}>
        {location?.name ?? (loading ? 'Loading your location…' : `Location ${who.locationId}`)}
      </h1>
      <p className="signed-in-as">
        Signed in as <strong id="user-name">{who.name}</strong> (<span id="user-email">{who.email}</span>),{' '}
        <span id="user-role">{role}</span>
        {location?.name ? (
          <>
            {' '}
            at <span id="location-name">{location.name}</span>
          </>
        ) : null}
        .
      </p>
      <section aria-labelledby="checks-heading">
        <div className="title-row">
          <h2 id="checks-heading">Open checks</h2>
          <button type="button" className="secondary" onClick={() => void refetch().catch(() => undefined)}>
            Refresh
          </button>
        </div>
        {error && (
          <div className="error" role="alert">
            <p>The open checks could not be loaded. {describeGraphError(error)}</p>
            <Reference id={graphReference()} />
          </div>
        )}
        {checks && (
          <p className="muted" id="checks-count">
            {checks.totalCount === 1 ? '1 open check' : `${checks.totalCount} open checks`}
            {checks.totalCount > checks.nodes.length ? `; the first ${checks.nodes.length} are listed` : ''}.
          </p>
        )}
        {loading && !data ? (
          <p className="muted">Loading open checks…</p>
        ) : data && !location ? (
          <p className="muted">This location is not open to your session.</p>
        ) : checks ? (
          <ChecksTable checks={checks.nodes} />
        ) : null}
      </section>
    </>
  );
}

const titleOf = (view: View): string => {
  switch (view.state) {
    case 'signing-in':
      return 'Signing in — POS';
    case 'signed-in':
    case 'signing-out':
      return 'POS';
    case 'signed-out':
      return `${view.problem ? PAGES[view.problem.reason].title : SIGNED_OUT.title} — POS`;
    default:
      return `${PAGES[view.problem.reason].title} — POS`;
  }
};

function Launch() {
  const view = useSyncExternalStore(session.subscribe, session.view);
  const first = useRef(true);
  // Each new state is a new page for the reader: its title, and focus on its heading, so that a screen reader
  // announces it and the keyboard starts from the top (not from a Sign out button that is gone).
  useEffect(() => {
    document.title = titleOf(view);
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById(HEADING_ID)?.focus();
  }, [view.state]);
  const signedIn = view.state === 'signed-in' || view.state === 'signing-out';
  return (
    <>
      <header className="bar">
        <span className="brand">POS</span>
        {signedIn && (
          <>
            <span className="who">{view.who.name}</span>
            <button
              type="button"
              className="link"
              disabled={view.state === 'signing-out'}
              onClick={() => void session.signOut()}
            >
              {view.state === 'signing-out' ? 'Signing out…' : 'Sign out'}
            </button>
          </>
        )}
      </header>
      <main className="page">
        {view.state === 'signing-in' && (
          <>
            <h1 id={HEADING_ID} tabIndex={-1}>
              Signing you in…
            </h1>
            <p className="muted" role="status">
              Checking your launch link.
            </p>
          </>
        )}
        {signedIn && <SignedIn who={view.who} />}
        {view.state === 'refused' && (
          <Notice
            page={{
              heading: PAGES[view.problem.reason].heading,
              sentences: view.canRetry
                ? PAGES[view.problem.reason].sentences
                : [...PAGES[view.problem.reason].sentences.filter((s) => s !== NEW_LINK), NEW_LINK],
            }}
            problem={view.problem}
            onRetry={view.canRetry ? () => session.retry() : undefined}
          />
        )}
        {view.state === 'ended' && <Notice page={PAGES[view.problem.reason]} problem={view.problem} />}
        {view.state === 'signed-out' && (
          <Notice page={view.problem ? PAGES[view.problem.reason] : SIGNED_OUT} problem={view.problem} />
        )}
      </main>
    </>
  );
}

session.start(launchToken);
// Another launch link opened in this tab only changes the fragment, which loads no new page: taken the same way.
window.addEventListener('hashchange', () => {
  const token = takeLaunchToken();
  if (token) void session.relaunch(token);
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApolloProvider client={client}>
      <Launch />
    </ApolloProvider>
  </StrictMode>,
);
