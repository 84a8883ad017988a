import { useMutation, useQuery } from '@apollo/client/react';
import {
  type PaymentEventType,
  PortalCreateWebhookEndpointDocument,
  type PortalCreateWebhookEndpointMutation,
  PortalWebhookEndpointsDocument,
} from '@pos/client';
import { type FormEvent, useState } from 'react';

/** Integrations → Webhooks: the partner's endpoints, and adding one (its signing secret is shown once, here). */

const EVENT_TYPES: ReadonlyArray<[PaymentEventType, string]> = [
  ['PAYMENT_APPROVED', 'payment.approved'],
  ['PAYMENT_REFUNDED', 'payment.refunded'],
  ['PAYMENT_VOIDED', 'payment.voided'],
  ['PAYMENT_CANCELLED', 'payment.cancelled'],
  ['PAYMENT_EXPIRED', 'payment.expired'],
  ['PAYMENT_REVERSAL_SETTLED', 'payment.reversal_settled'],
  ['PAYMENT_REVERSAL_FAILED', 'payment.reversal_failed'],
];
const EVENT_NAMES = new Map(EVENT_TYPES);

type Created = NonNullable<PortalCreateWebhookEndpointMutation['createWebhookEndpoint']>;

/** The signing secret of the endpoint just added: shown once, with a copy button; the gateway never shows it again. */
function NewSecret({ created, onDone }: { created: Created; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(created.secret ?? '');
    setCopied(true);
  };
  return (
    <section className="card notice" aria-labelledby="secret-heading">
      <h2 id="secret-heading">Endpoint added</h2>
      <p>
        Deliveries to <strong>{created.webhookEndpoint?.url}</strong> are signed with this secret. Copy it now: it is
        not shown again (rotate it to get a new one).
      </p>
      <p className="secret-row">
        <code id="signing-secret" aria-label="Signing secret">
          {created.secret}
        </code>
        <button type="button" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </p>
      <button type="button" className="link" onClick={onDone}>
        Done
      </button>
    </section>
  );
}

function AddEndpoint({ onCreated, onCancel }: { onCreated: (created: Created) => void; onCancel: () => void }) {
  const [create, { loading }] = useMutation(PortalCreateWebhookEndpointDocument, {
    refetchQueries: [PortalWebhookEndpointsDocument],
  });
  const [problems, setProblems] = useState<string[]>([]);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const eventTypes = form.getAll('eventTypes') as PaymentEventType[];
    const description = String(form.get('description') ?? '').trim();
    try {
      const { data } = await create({
        variables: {
          input: {
            url: String(form.get('url') ?? '').trim(),
            eventTypes: eventTypes.length ? eventTypes : null,
            description: description || null,
          },
        },
      });
      const result = data?.createWebhookEndpoint;
      if (!result) return setProblems(['The endpoint was not added. Try again.']);
      if (result.userErrors.length) return setProblems(result.userErrors.map((e) => e.message));
      onCreated(result);
    } catch (error) {
      setProblems([(error as Error).message]);
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="add-heading">
      <h2 id="add-heading">Add endpoint</h2>
      {problems.length > 0 && (
        <ul className="error" role="alert">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <label htmlFor="endpoint-url">Endpoint URL</label>
      <input id="endpoint-url" name="url" type="url" required placeholder="https://example.com/webhooks" />
      <fieldset>
        <legend>Event types (none checked: all of them)</legend>
        {EVENT_TYPES.map(([value, name]) => (
          <label key={value} className="check">
            <input type="checkbox" name="eventTypes" value={value} /> {name}
          </label>
        ))}
      </fieldset>
      <label htmlFor="endpoint-description">Description</label>
      <input id="endpoint-description" name="description" type="text" maxLength={200} />
      <p className="actions">
        <button type="submit" disabled={loading}>
          Add endpoint
        </button>
        <button type="button" className="link" onClick={onCancel}>
          Cancel
        </button>
      </p>
    </form>
  );
}

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
      {created && <NewSecret created={created} onDone={() => setCreated(null)} />}
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
          {error.message}
        </p>
      )}
      {loading && !data ? (
        <p className="muted">Loading…</p>
      ) : endpoints.length === 0 ? (
        <p className="muted">No endpoints yet.</p>
      ) : (
        <ul className="endpoints" aria-label="Endpoints">
          {endpoints.map((endpoint) => (
            <li key={endpoint.id} className="card endpoint">
              <p className="url">{endpoint.url}</p>
              <p>
                <span className={`status status-${endpoint.status.toLowerCase()}`}>
                  {endpoint.status.toLowerCase()}
                </span>{' '}
                {endpoint.eventTypes.map((type) => EVENT_NAMES.get(type) ?? type).join(', ')}
              </p>
              {endpoint.description && <p className="muted">{endpoint.description}</p>}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
