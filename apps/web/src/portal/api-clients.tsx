import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { failureSentence, restCall } from './failure';
import { when } from './format';
import { SecretOnce } from './secret-once';

/**
 * Integrations → API clients: the partner's M2M clients (client_credentials) and their scopes; creating one with
 * chosen scopes (its secret shown once), rotating a secret with an overlap, disabling. These are the gateway's own
 * REST routes (/pos/v1/api-clients): the gateway owns the credentials, and decides which scopes the person may grant.
 */

interface ApiClient {
  client_id: string;
  name: string;
  scopes: string[];
  active: boolean;
  created_at: string;
  previous_secret_expires_at: string | null;
}
interface Issued extends ApiClient {
  client_secret: string;
}

/** What each scope lets a client do, in the portal's words. */
const SCOPE_NAMES: Record<string, string> = {
  'tilt/pos:read': 'Read locations, orders and payments',
  'tilt/pos:orders': 'Create orders',
  'tilt/pos:payments': 'Take payments',
  'tilt/pos:refunds': 'Void and refund payments',
  'tilt/pos:launch': 'Create SSO launch links',
  'tilt/webhooks:subscribe': 'Manage webhook endpoints',
  'tilt/mobile:payments': 'Mobile payments (checks)',
  'tilt/loyalty:pos': 'Loyalty earn and redeem',
  'tilt/loyalty:admin': 'Loyalty programs and POS keys',
};

/** The overlaps a rotation offers: how long the old secret keeps working beside the new one. */
const OVERLAPS: ReadonlyArray<[number, string]> = [
  [0, 'None: the old secret stops now'],
  [3600, '1 hour'],
  [86_400, '24 hours'],
  [7 * 86_400, '7 days'],
];

function CreateClient({
  grantable,
  onCreated,
  onCancel,
}: {
  grantable: string[];
  onCreated: (issued: Issued) => void;
  onCancel: () => void;
}) {
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const scopes = form.getAll('scopes').map(String);
    const name = String(form.get('name') ?? '').trim();
    if (!name) return setProblem('Give the client a name.');
    if (!scopes.length) return setProblem('Choose at least one scope.');
    setBusy(true);
    try {
      onCreated(await restCall<Issued>('POST', '/pos/v1/api-clients', { name, scopes }));
    } catch (error) {
      setProblem(failureSentence(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="create-client-heading">
      <h2 id="create-client-heading">Create client</h2>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <label htmlFor="client-name">Client name</label>
      <input id="client-name" name="name" maxLength={200} autoComplete="off" />
      <fieldset>
        <legend>Scopes</legend>
        {grantable.map((scope) => (
          <label key={scope} className="check">
            <input type="checkbox" name="scopes" value={scope} /> {SCOPE_NAMES[scope] ?? scope}{' '}
            <code className="muted">{scope}</code>
          </label>
        ))}
      </fieldset>
      <p className="actions">
        <button type="submit" disabled={busy}>
          Create client
        </button>
        <button type="button" className="link" onClick={onCancel}>
          Cancel
        </button>
      </p>
    </form>
  );
}

function ClientRow({
  client,
  onChanged,
  onIssued,
}: {
  client: ApiClient;
  onChanged: () => void;
  onIssued: (issued: Issued) => void;
}) {
  const [problem, setProblem] = useState<string | null>(null);
  const [rotating, setRotating] = useState(false);
  const act = async (work: () => Promise<unknown>) => {
    setProblem(null);
    try {
      await work();
      onChanged();
    } catch (error) {
      setProblem(failureSentence(error));
    }
  };
  const path = `/pos/v1/api-clients/${encodeURIComponent(client.client_id)}`;
  const rotate = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const overlap = Number(new FormData(event.currentTarget).get('overlap'));
    await act(async () => {
      onIssued(await restCall<Issued>('POST', `${path}/rotate-secret`, { overlap_seconds: overlap }));
      setRotating(false);
    });
  };
  return (
    <li className="card endpoint" aria-label={client.name || client.client_id}>
      <p className="url">{client.name || 'Unnamed client'}</p>
      <p>
        <span className={`status status-${client.active ? 'enabled' : 'disabled'}`}>
          {client.active ? 'active' : 'disabled'}
        </span>{' '}
        <span className="muted">
          Client ID <code>{client.client_id}</code> · created {when(client.created_at)}
        </span>
      </p>
      <p className="muted">Scopes: {client.scopes.join(', ')}</p>
      {client.previous_secret_expires_at && (
        <p className="muted">The previous secret works until {when(client.previous_secret_expires_at)}.</p>
      )}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {rotating && (
        <form className="rotate" onSubmit={(e) => void rotate(e)}>
          <label htmlFor={`overlap-${client.client_id}`}>Keep the old secret working for</label>
          <select id={`overlap-${client.client_id}`} name="overlap" defaultValue={86_400}>
            {OVERLAPS.map(([seconds, label]) => (
              <option key={seconds} value={seconds}>
                {label}
              </option>
            ))}
          </select>
          <button type="submit">Rotate</button>
          <button type="button" className="link" onClick={() => setRotating(false)}>
            Cancel
          </button>
        </form>
      )}
      <p className="actions">
        <button
          type="button"
          className="link"
          onClick={() => void act(() => restCall('POST', path, { active: !client.active }))}
        >
          {client.active ? 'Disable' : 'Enable'}
        </button>
        {!rotating && client.active && (
          <button type="button" className="link" onClick={() => setRotating(true)}>
            Rotate secret
          </button>
        )}
      </p>
    </li>
  );
}

export function ApiClientsPage() {
  const [clients, setClients] = useState<ApiClient[] | null>(null);
  const [grantable, setGrantable] = useState<string[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState<{ heading: string; client: Issued } | null>(null);
  const load = useCallback(async () => {
    try {
      const answer = await restCall<{ data: ApiClient[]; grantable_scopes: string[] }>('GET', '/pos/v1/api-clients');
      setClients(answer.data);
      setGrantable(answer.grantable_scopes);
      setProblem(null);
    } catch (error) {
      setProblem(failureSentence(error));
    }
  }, []);
  useEffect(() => void load(), [load]);
  return (
    <>
      <div className="title-row">
        <h1>API clients</h1>
        {!creating && !issued && (
          <button type="button" onClick={() => setCreating(true)}>
            Create client
          </button>
        )}
      </div>
      <p className="muted">
        Clients get access tokens at <code>/oauth2/token</code> with <code>grant_type=client_credentials</code>.
      </p>
      {issued && (
        <SecretOnce
          heading={issued.heading}
          label="Client secret"
          secret={issued.client.client_secret}
          onDone={() => setIssued(null)}
        >
          The client <strong>{issued.client.client_id}</strong> authenticates with this secret. Copy it now: it is not
          shown again.
          {issued.client.previous_secret_expires_at
            ? ` The previous secret keeps working until ${when(issued.client.previous_secret_expires_at)}.`
            : ''}
        </SecretOnce>
      )}
      {creating && (
        <CreateClient
          grantable={grantable}
          onCreated={(client) => {
            setCreating(false);
            setIssued({ heading: 'Client created', client });
            void load();
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {clients === null ? (
        !problem && <p className="muted">Loading…</p>
      ) : clients.length === 0 ? (
        <p className="muted">No clients yet.</p>
      ) : (
        <ul className="endpoints" aria-label="Clients">
          {clients.map((client) => (
            <ClientRow
              key={client.client_id}
              client={client}
              onChanged={() => void load()}
              onIssued={(next) => setIssued({ heading: 'Secret rotated', client: next })}
            />
          ))}
        </ul>
      )}
    </>
  );
}
