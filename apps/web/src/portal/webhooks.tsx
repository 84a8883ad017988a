import { useMutation, useQuery } from '@apollo/client/react';
import {
  PortalRotateWebhookEndpointSecretDocument,
  PortalSetWebhookEndpointEnabledDocument,
  PortalUpdateWebhookEndpointDocument,
  PortalWebhookEndpointsDocument,
  type PortalWebhookEndpointsQuery,
} from '@pos/client';
import { type FormEvent, useState } from 'react';
import { failureSentence, refusal } from './failure';
import { EVENT_NAMES, when } from './format';
import { SecretOnce } from './secret-once';
import { Deliveries } from './webhook-deliveries';
import { ALL_EVENT_TYPES, AddEndpoint, type Created, EndpointFields, endpointInput } from './webhook-form';

/** Integrations → Webhooks: the partner's endpoints, and adding one (its signing secret is shown once, here). */

/** A webhook endpoint's new signing secret. */
function NewSecret({
  heading,
  secret,
  url,
  previousUntil,
  onDone,
}: {
  heading: string;
  secret: string;
  url: string;
  previousUntil?: string | null;
  onDone: () => void;
}) {
  return (
    <SecretOnce heading={heading} label="Signing secret" secret={secret} onDone={onDone}>
      Deliveries to <strong>{url}</strong> are signed with this secret. Copy it now: it is not shown again (rotate it to
      get a new one).
      {previousUntil ? ` The previous secret signs beside it until ${when(previousUntil)}.` : ''}
    </SecretOnce>
  );
}

/** How long a rotated-out secret keeps signing beside the new one, so receivers can switch without a gap. */
const OVERLAPS: ReadonlyArray<[number, string]> = [
  [0, 'Stop it now'],
  [3600, '1 hour'],
  [86_400, '24 hours'],
  [604_800, '7 days'],
];

function EndpointCard({ endpoint }: { endpoint: EndpointRow }) {
  const [open, setOpen] = useState(false);
  const [rotating, setRotating] = useState(false);
  const [rotated, setRotated] = useState<{ secret: string; previousUntil: string | null } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [setEnabled, toggling] = useMutation(PortalSetWebhookEndpointEnabledDocument);
  const [rotate, rotation] = useMutation(PortalRotateWebhookEndpointSecretDocument);
  const [update, updating] = useMutation(PortalUpdateWebhookEndpointDocument);
  const [editing, setEditing] = useState(false);
  const enabled = endpoint.status === 'ENABLED';

  // The endpoint comes back with its id, so the cache updates the card in place.
  const submitEdit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(null);
    try {
      const input = endpointInput(event.currentTarget);
      const { data } = await update({
        variables: { input: { id: endpoint.id, ...input, eventTypes: input.eventTypes ?? ALL_EVENT_TYPES } },
      });
      const refused = refusal(data?.updateWebhookEndpoint?.userErrors);
      if (refused) return setProblem(refused);
      setEditing(false);
    } catch (error) {
      setProblem(failureSentence(error));
    }
  };

  const toggle = async () => {
    setProblem(null);
    try {
      const { data } = await setEnabled({ variables: { input: { id: endpoint.id, enabled: !enabled } } });
      setProblem(refusal(data?.updateWebhookEndpoint?.userErrors));
    } catch (error) {
      setProblem(failureSentence(error));
    }
  };
  const submitRotation = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(null);
    const overlapSeconds = Number(new FormData(event.currentTarget).get('overlap'));
    try {
      const { data } = await rotate({ variables: { input: { id: endpoint.id, overlapSeconds } } });
      const result = data?.rotateWebhookEndpointSecret;
      const refused = refusal(result?.userErrors);
      if (refused || !result?.secret) return setProblem(refused ?? 'The secret was not rotated. Try again.');
      setRotating(false);
      setRotated({ secret: result.secret, previousUntil: result.webhookEndpoint?.previousSecretExpiresAt ?? null });
    } catch (error) {
      setProblem(failureSentence(error));
    }
  };
  const overlapId = `overlap-${endpoint.id}`;
  return (
    <li className="card endpoint">
      <p className="url">{endpoint.url}</p>
      <p>
        <span className={`status status-${endpoint.status.toLowerCase()}`}>{endpoint.status.toLowerCase()}</span>{' '}
        {endpoint.eventTypes.map((type) => EVENT_NAMES.get(type) ?? type).join(', ')}
      </p>
      {endpoint.description && <p className="muted">{endpoint.description}</p>}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {editing && (
        <form className="rotate" onSubmit={(e) => void submitEdit(e)} aria-label={`Edit ${endpoint.url}`}>
          <EndpointFields idPrefix={`edit-${endpoint.id}`} endpoint={endpoint} />
          <p className="actions">
            <button type="submit" disabled={updating.loading}>
              Save
            </button>{' '}
            <button type="button" className="link" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </p>
        </form>
      )}
      {rotated && (
        <NewSecret
          heading="Secret rotated"
          secret={rotated.secret}
          url={endpoint.url}
          previousUntil={rotated.previousUntil}
          onDone={() => setRotated(null)}
        />
      )}
      {rotating && (
        <form className="rotate" onSubmit={(e) => void submitRotation(e)}>
          <label htmlFor={overlapId}>Old secret keeps working for</label>
          <select id={overlapId} name="overlap" defaultValue="86400">
            {OVERLAPS.map(([seconds, name]) => (
              <option key={seconds} value={seconds}>
                {name}
              </option>
            ))}
          </select>{' '}
          <button type="submit" disabled={rotation.loading}>
            Rotate
          </button>{' '}
          <button type="button" className="link" onClick={() => setRotating(false)}>
            Cancel
          </button>
        </form>
      )}
      <p className="actions">
        <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
          Deliveries
        </button>
        {!editing && (
          <button type="button" className="link" onClick={() => setEditing(true)}>
            Edit
          </button>
        )}
        <button type="button" className="link" disabled={toggling.loading} onClick={() => void toggle()}>
          {enabled ? 'Disable' : 'Enable'}
        </button>
        {!rotating && !rotated && (
          <button type="button" className="link" onClick={() => setRotating(true)}>
            Rotate secret
          </button>
        )}
      </p>
      {open && <Deliveries endpointId={endpoint.id} />}
    </li>
  );
}

type EndpointRow = PortalWebhookEndpointsQuery['webhookEndpoints']['nodes'][number];

export function WebhooksPage() {
  const { data, loading, error } = useQuery(PortalWebhookEndpointsDocument);
  const [adding, setAdding] = useState(false);
  const [created, setCreated] = useState<Created | null>(null);
  const endpoints = data?.webhookEndpoints.nodes ?? [];
  return (
    <>
      <div className="title-row">
        <h1>Webhooks</h1>
        {!adding && !created && (
          <button type="button" onClick={() => setAdding(true)}>
            Add endpoint
          </button>
        )}
      </div>
      {created && (
        <NewSecret
          heading="Endpoint added"
          secret={created.secret ?? ''}
          url={created.webhookEndpoint?.url ?? ''}
          onDone={() => setCreated(null)}
        />
      )}
      {adding && (
        <AddEndpoint
          onCreated={(result) => {
            setAdding(false);
            setCreated(result);
          }}
          onCancel={() => setAdding(false)}
        />
      )}
      {error && (
        <p className="error" role="alert">
          {failureSentence(error)}
        </p>
      )}
      {loading && !data ? (
        <p className="muted">Loading…</p>
      ) : endpoints.length === 0 ? (
        <p className="muted">No endpoints yet.</p>
      ) : (
        <ul className="endpoints" aria-label="Endpoints">
          {endpoints.map((endpoint) => (
            <EndpointCard key={endpoint.id} endpoint={endpoint} />
          ))}
        </ul>
      )}
    </>
  );
}
