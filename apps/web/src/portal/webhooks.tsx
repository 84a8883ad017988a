import { useMutation, useQuery } from '@apollo/client/react';
import {
  type PaymentEventType,
  PortalCreateWebhookEndpointDocument,
  type PortalCreateWebhookEndpointMutation,
  PortalDeadLetterCountDocument,
  PortalReplayWebhookDeliveryDocument,
  PortalWebhookDeliveriesDocument,
  PortalWebhookEndpointsDocument,
  type PortalWebhookEndpointsQuery,
  type WebhookDeliveryStatus,
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

const STATUSES: ReadonlyArray<[WebhookDeliveryStatus | '', string]> = [
  ['', 'All'],
  ['PENDING', 'Pending'],
  ['DELIVERED', 'Delivered'],
  ['DEAD', 'Dead'],
];

const when = (iso: string) => new Date(iso).toLocaleString();

/** An endpoint's deliveries, newest first, with a status filter, each one's attempt log, and Replay for dead ones. */
function Deliveries({ endpointId }: { endpointId: string }) {
  const [status, setStatus] = useState<WebhookDeliveryStatus | ''>('');
  const { data, loading, error, refetch } = useQuery(PortalWebhookDeliveriesDocument, {
    variables: { endpointId, status: status || null },
    pollInterval: 3000,
  });
  const [replay] = useMutation(PortalReplayWebhookDeliveryDocument, {
    refetchQueries: [PortalDeadLetterCountDocument],
  });
  const [problem, setProblem] = useState<string | null>(null);
  const replayOne = async (id: string) => {
    setProblem(null);
    try {
      const { data: answer } = await replay({ variables: { input: { id } } });
      const errors = answer?.replayWebhookDelivery?.userErrors ?? [];
      if (errors.length) setProblem(errors.map((e) => e.message).join(' '));
      await refetch();
    } catch (failure) {
      setProblem((failure as Error).message);
    }
  };
  const deliveries = data?.webhookDeliveries.nodes ?? [];
  const selectId = `status-${endpointId}`;
  return (
    <section className="deliveries" aria-label="Deliveries">
      <label htmlFor={selectId}>Status</label>
      <select id={selectId} value={status} onChange={(e) => setStatus(e.target.value as WebhookDeliveryStatus | '')}>
        {STATUSES.map(([value, name]) => (
          <option key={name} value={value}>
            {name}
          </option>
        ))}
      </select>
      {(problem || error) && (
        <p className="error" role="alert">
          {problem ?? error?.message}
        </p>
      )}
      {loading && !data ? (
        <p className="muted">Loading…</p>
      ) : deliveries.length === 0 ? (
        <p className="muted">No deliveries.</p>
      ) : (
        <ul className="delivery-list">
          {deliveries.map((delivery) => (
            <li key={delivery.id} className="delivery" data-status={delivery.status.toLowerCase()}>
              <p>
                <span className={`status status-${delivery.status.toLowerCase()}`}>
                  {delivery.status.toLowerCase()}
                </span>{' '}
                {EVENT_NAMES.get(delivery.eventType) ?? delivery.eventType}{' '}
                <span className="muted">
                  {when(delivery.createdAt)} · {delivery.attempts} attempt{delivery.attempts === 1 ? '' : 's'}
                  {delivery.replays ? ` · replayed ${delivery.replays}×` : ''}
                </span>
              </p>
              {delivery.status === 'DEAD' && (
                <button type="button" onClick={() => void replayOne(delivery.id)}>
                  Replay
                </button>
              )}
              {delivery.attemptLog.length > 0 && (
                <details>
                  <summary>Attempt log</summary>
                  <ol className="attempts">
                    {delivery.attemptLog.map((attempt) => (
                      <li key={attempt.attempt}>
                        {when(attempt.attemptedAt)}: {attempt.statusCode ?? attempt.error ?? 'no answer'} (
                        {attempt.durationMs} ms)
                      </li>
                    ))}
                  </ol>
                </details>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The dead-letter count shown beside Webhooks in the navigation (refreshed every few seconds). */
export function DeadLetterCount() {
  const { data } = useQuery(PortalDeadLetterCountDocument, { pollInterval: 3000 });
  const count = data?.webhookDeliveries.totalCount ?? 0;
  if (!count) return null;
  return (
    <span
      className="badge"
      id="dead-letter-count"
      role="status"
      aria-label={`${count} dead letter${count === 1 ? '' : 's'}`}
    >
      {count}
    </span>
  );
}

function EndpointCard({ endpoint }: { endpoint: EndpointRow }) {
  const [open, setOpen] = useState(false);
  return (
    <li className="card endpoint">
      <p className="url">{endpoint.url}</p>
      <p>
        <span className={`status status-${endpoint.status.toLowerCase()}`}>{endpoint.status.toLowerCase()}</span>{' '}
        {endpoint.eventTypes.map((type) => EVENT_NAMES.get(type) ?? type).join(', ')}
      </p>
      {endpoint.description && <p className="muted">{endpoint.description}</p>}
      <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
        Deliveries
      </button>
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
            <EndpointCard key={endpoint.id} endpoint={endpoint} />
          ))}
        </ul>
      )}
    </>
  );
}
