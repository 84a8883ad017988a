import './loyalty.css';
import {
  LoyaltyCustomerPageDocument,
  type LoyaltyCustomerPageQuery,
  LoyaltyCustomerPinsDocument,
  type LoyaltyCustomerPinsSubscription,
} from '@pos/client';
import { type FormEvent, StrictMode, useCallback, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { RequestFailure, live, query } from './client';
import { QrCode } from './qr';

/**
 * The loyalty customer's page (GET /loyalty/): the customer signs in with their own key (their dashboard key, which
 * opens nothing but their own account) and sees their points, their stamp card, their coupons with a QR code each,
 * and, live, the PIN a cashier is waiting for. The key is held in this tab's memory only: never in storage, a
 * cookie or the address, so a reload asks for it again. The PIN comes over a subscription (loyaltyPinChallenges);
 * whenever that (re)connects the page reads everything again, since what changed while it was down is not sent
 * again.
 */

type Dashboard = NonNullable<LoyaltyCustomerPageQuery['loyaltyDashboard']>;
/** The PINs as the page shows them: from the dashboard's read or the subscription's latest state. */
type PinState = Pick<LoyaltyCustomerPinsSubscription['loyaltyPinChallenges'], 'pendingPins' | 'pinLockedUntil'>;
type PendingPin = PinState['pendingPins'][number];

const HEADING_ID = 'page-heading';
const KEY_FIELD_ID = 'customer-key';

/** What the customer is told when a request fails: a sentence, with the gateway's reference id when there is one. */
function sentenceOf(error: unknown, now = Date.now()): string {
  const withReference = (sentence: string, reference: string | null) =>
    reference ? `${sentence} (reference ${reference})` : sentence;
  if (!(error instanceof RequestFailure)) return 'Something went wrong on this page. Reload it and try again.';
  switch (error.kind) {
    case 'refused':
      return withReference('That key was not accepted. Check your customer key and try again.', error.reference);
    case 'throttled': {
      const seconds = error.retryAfterSeconds ?? 60;
      const at = new Date(now + seconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
      const wait = seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
      return withReference(
        `Too many keys were tried from this network. Try again in ${wait} (at ${at}).`,
        error.reference,
      );
    }
    case 'unavailable':
      return withReference('The loyalty service is not available right now. Try again in a moment.', error.reference);
    case 'offline':
      return 'The page could not reach the server. Check your connection and try again.';
    default:
      return withReference('Something went wrong on our side. Try again in a moment.', error.reference);
  }
}

/** The current time, moving every second while `ticking` (for countdowns). */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}

const ACTIONS: Record<string, string> = {
  EARN: 'to collect points or stamps',
  REDEEM: 'to spend points or stamps',
  COUPON_REDEEM: 'to use a coupon',
};

const countdown = (ms: number) => {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
};

function SignIn({
  notice,
  onSignedIn,
}: {
  notice: string | null;
  onSignedIn: (key: string, dashboard: Dashboard) => void;
}) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const typed = key.trim();
    if (!typed) {
      setProblem('Enter your customer key.');
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const data = await query<LoyaltyCustomerPageQuery>(LoyaltyCustomerPageDocument, typed);
      setKey('');
      onSignedIn(typed, data.loyaltyDashboard!);
    } catch (error) {
      setProblem(sentenceOf(error));
      setBusy(false);
    }
  }

  return (
    <main className="page narrow">
      {notice && (
        <p className="notice-line" role="status">
          {notice}
        </p>
      )}
      <section className="card" aria-labelledby={HEADING_ID}>
        <h1 id={HEADING_ID}>Your loyalty card</h1>
        <p>Sign in with the customer key your loyalty program gave you.</p>
        {/* No name on the field and no action on the form: the key can never become part of an address. */}
        <form onSubmit={(event) => void submit(event)} noValidate>
          <label htmlFor={KEY_FIELD_ID}>Customer key</label>
          <input
            id={KEY_FIELD_ID}
            type="password"
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            value={key}
            onChange={(event) => setKey(event.target.value)}
            aria-describedby="key-note"
            aria-invalid={problem ? true : undefined}
          />
          <button type="submit" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        {problem && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        <p id="key-note" className="muted">
          Your key stays in this browser tab only, never saved: reloading or closing the page signs you out, and you
          will be asked for it again.
        </p>
      </section>
    </main>
  );
}

/** The PIN a cashier is waiting for, live, with the time left; what stops it showing when none is. */
function PinPanel({ pins, lockedUntil, now }: { pins: PendingPin[]; lockedUntil: string | null; now: number }) {
  const locked = lockedUntil !== null && Date.parse(lockedUntil) > now;
  return (
    <section className="card pin-card" aria-labelledby="pin-heading">
      <h2 id="pin-heading">PIN for the cashier</h2>
      {locked && (
        <p className="warning" role="status">
          Too many incorrect PINs were entered, so PIN verification is locked until{' '}
          {new Date(lockedUntil).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })}. No PIN is shown until
          then.
        </p>
      )}
      {!pins.length && !locked && (
        <p className="muted">No cashier is waiting for a PIN. When one asks for it, your PIN appears here at once.</p>
      )}
      {pins.map((pin) => (
        <div className="pin" key={pin.challengeId} data-challenge={pin.challengeId}>
          <output className="pin-digits" aria-label="Verification PIN">
            {pin.pin}
          </output>
          <p>
            Tell this PIN to the cashier {ACTIONS[pin.action] ?? ''} at {pin.orgName}.
          </p>
          <p className="muted">
            Expires in <span role="timer">{countdown(Date.parse(pin.expiresAt) - now)}</span>
          </p>
        </div>
      ))}
    </section>
  );
}

function StampCard({ stamps, perCard, reward }: { stamps: number; perCard: number; reward: string }) {
  const filled = Math.min(stamps, perCard);
  const left = perCard - filled;
  return (
    <figure className="stamp-card" aria-label={`Stamp card: ${filled} of ${perCard} stamps`}>
      <ol className="stamps">
        {Array.from({ length: perCard }, (_, i) => (
          <li key={i} className={i < filled ? 'stamp filled' : 'stamp'}>
            <span className="visually-hidden">{i < filled ? `Stamp ${i + 1}: stamped` : `Stamp ${i + 1}: empty`}</span>
            <span aria-hidden="true">{i < filled ? '★' : i + 1}</span>
          </li>
        ))}
      </ol>
      <figcaption>
        {left === 0
          ? `Card full: your ${reward} is on its way.`
          : `${left} more ${left === 1 ? 'stamp' : 'stamps'} for a ${reward}.`}
      </figcaption>
    </figure>
  );
}

function Coupons({ coupons, reward }: { coupons: Dashboard['customer']['coupons']; reward: string }) {
  if (!coupons.nodes.length) {
    return <p className="muted">No coupons yet. A full stamp card gives you a {reward}.</p>;
  }
  return (
    <>
      <ul className="coupons">
        {coupons.nodes.map((coupon) => (
          <li key={coupon.id} className="coupon">
            <h3>{coupon.name}</h3>
            <p className="muted">Issued {new Date(coupon.issuedAt).toLocaleDateString([], { dateStyle: 'medium' })}</p>
            {coupon.qrToken ? (
              <QrCode text={coupon.qrToken} label={`QR code of your coupon ${coupon.name}`} />
            ) : (
              <p>This coupon’s code cannot be shown here.</p>
            )}
            <p className="muted">Show this code at the counter to use the coupon.</p>
          </li>
        ))}
      </ul>
      {coupons.totalCount > coupons.nodes.length && (
        <p className="muted">
          Showing your {coupons.nodes.length} newest of {coupons.totalCount} coupons.
        </p>
      )}
    </>
  );
}

type Live = 'connecting' | 'live' | 'reconnecting';

function SignedIn({
  customerKey,
  initial,
  onSignOut,
}: {
  customerKey: string;
  initial: Dashboard;
  onSignOut: (why?: string) => void;
}) {
  const [dashboard, setDashboard] = useState(initial);
  const [pins, setPins] = useState<PinState>({
    pendingPins: initial.pendingPins,
    pinLockedUntil: initial.pinLockedUntil ?? null,
  });
  const [liveState, setLiveState] = useState<Live>('connecting');
  const [problem, setProblem] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  /** Bumped by every live state: a read begun before one must not put older PINs back. */
  const liveSeq = useRef(0);

  useEffect(() => heading.current?.focus(), []);

  const refresh = useCallback(async () => {
    const seq = liveSeq.current;
    try {
      const data = await query<LoyaltyCustomerPageQuery>(LoyaltyCustomerPageDocument, customerKey);
      const read = data.loyaltyDashboard!;
      setDashboard(read);
      setProblem(null);
      if (liveSeq.current === seq)
        setPins({ pendingPins: read.pendingPins, pinLockedUntil: read.pinLockedUntil ?? null });
    } catch (error) {
      if (error instanceof RequestFailure && error.kind === 'refused') onSignOut('Your key is no longer accepted.');
      else setProblem(sentenceOf(error));
    }
  }, [customerKey, onSignOut]);

  useEffect(
    () =>
      live<LoyaltyCustomerPinsSubscription>(LoyaltyCustomerPinsDocument, customerKey, {
        next: (data) => {
          liveSeq.current++;
          setPins(data.loyaltyPinChallenges);
          // A PIN answered moved points or stamps: the balances are read again with it.
          void refresh();
        },
        connected: () => {
          setLiveState('live');
          void refresh();
        },
        dropped: () => setLiveState('reconnecting'),
        refused: () => onSignOut('Your key is no longer accepted.'),
      }),
    [customerKey, refresh, onSignOut],
  );

  const now = useNow(pins.pendingPins.length > 0 || pins.pinLockedUntil !== null);
  // A PIN leaves at its expiry even before the server's word: the cashier can no longer use it.
  const visible = pins.pendingPins.filter((pin) => Date.parse(pin.expiresAt) > now);
  const { customer } = dashboard;

  useEffect(() => {
    document.title = `${customer.org.name} — your loyalty card`;
  }, [customer.org.name]);

  return (
    <>
      <header className="bar">
        <span className="brand">Loyalty</span>
        <span className="who">Customer {customer.code}</span>
        <button type="button" className="link" onClick={() => onSignOut()}>
          Sign out
        </button>
      </header>
      <main className="page">
        <h1 id={HEADING_ID} ref={heading} tabIndex={-1}>
          {customer.org.name}
        </h1>
        <p className="live-state" role="status">
          {liveState === 'live'
            ? 'Live: a PIN appears here as soon as the cashier asks for it.'
            : liveState === 'connecting'
              ? 'Connecting for live updates…'
              : 'Connection lost: reconnecting for live updates…'}
        </p>
        {problem && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        <div className="grid">
          <PinPanel pins={visible} lockedUntil={pins.pinLockedUntil ?? null} now={now} />
          <section className="card" aria-labelledby="balance-heading">
            <h2 id="balance-heading">Your balance</h2>
            <p className="points">
              <strong>{customer.points.toLocaleString()}</strong> {customer.points === 1 ? 'point' : 'points'}
            </p>
            <StampCard stamps={customer.stamps} perCard={customer.org.stampsPerCard} reward={customer.org.rewardName} />
          </section>
          <section className="card coupons-card" aria-labelledby="coupons-heading">
            <h2 id="coupons-heading">Your coupons</h2>
            <Coupons coupons={customer.coupons} reward={customer.org.rewardName} />
          </section>
        </div>
      </main>
    </>
  );
}

function App() {
  const [session, setSession] = useState<{ key: string; dashboard: Dashboard } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const signOut = useCallback((why?: string) => {
    // The key is forgotten with the session: nothing of it is left in the page.
    setSession(null);
    setNotice(why ? `${why} Sign in again.` : 'You are signed out.');
    document.title = 'Your loyalty card';
  }, []);

  useEffect(() => {
    if (!session) document.getElementById(KEY_FIELD_ID)?.focus();
  }, [session]);

  if (session) {
    return <SignedIn customerKey={session.key} initial={session.dashboard} onSignOut={signOut} />;
  }
  return (
    <SignIn
      notice={notice}
      onSignedIn={(key, dashboard) => {
        setNotice(null);
        setSession({ key, dashboard });
      }}
    />
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
