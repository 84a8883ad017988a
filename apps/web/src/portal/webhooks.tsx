import { useMutation, useQuery } from '@apollo/client/react';
import {
  type PaymentEventType,
  PortalCreateWebhookEndpointDocument,
  type PortalCreateWebhookEndpointMutation,
  PortalDeadLetterCountDocument,
  PortalReplayWebhookDeliveryDocument,
  PortalRotateWebhookEndpointSecretDocument,
  PortalSetWebhookEndpointEnabledDocument,
  PortalUpdateWebhookEndpointDocument,
  PortalWebhookDeliveriesDocument,
  PortalWebhookEndpointsDocument,
  type PortalWebhookEndpointsQuery,
  type WebhookDeliveryStatus,
} from '@pos/client';
import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { failureSentence } from './failure';

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
export const EVENT_NAMES = new Map(EVENT_TYPES);
/** An update sends the list itself: none checked there means every type, as when the endpoint was added. */
const ALL_EVENT_TYPES = EVENT_TYPES.map(([value]) => value);

export const when = (iso: string) => new Date(iso).toLocaleString();

/** A mutation's user errors as one sentence for the page, or null when there are none. */
const refusal = (errors: ReadonlyArray<{ message: string }> | undefined | null) =>
  errors?.length ? errors.map((e) => e.message).join(' ') : null;

/**
 * Replaying a dead delivery, for the pages that list them: answers the function to call with a delivery's id and the
 * sentence to show when it is refused or fails. Every query on the page is refreshed after it (the lists, the count).
 */
export function useReplay() {
  const [replay] = useMutation(PortalReplayWebhookDeliveryDocument, { refetchQueries: 'active' });
  const [problem, setProblem] = useState<string | null>(null);
  const replayOne = async (id: string) => {
    setProblem(null);
    try {
      const { data } = await replay({ variables: { input: { id } } });
      setProblem(refusal(data?.replayWebhookDelivery?.userErrors));
    } catch (failure) {
      setProblem(failureSentence(failure));
    }
  };
  return { replayOne, problem };
}

type Created = NonNullable<PortalCreateWebhookEndpointMutation['createWebhookEndpoint']>;

/**
 * A secret just made (a webhook endpoint's signing secret, an API client's secret, a POS key): shown once, in an
 * element labelled `label`, with a copy button; the gateway never shows it again.
 */
export function SecretOnce({
  heading,
  label,
  secret,
  onDone,
  children,
}: {
  heading: string;
  label: string;
  secret: string;
  onDone: () => void;
  children: ReactNode;
}) {
  const [copied, setCopied] = useState(false);
  const headingId = useId();
  const copy = async () => {
    await navigator.clipboard.writeText(secret);
    setCopied(true);
  };
  return (
    <section className="card notice" aria-labelledby={headingId}>
      <h2 id={headingId}>{heading}</h2>
      <p>{children}</p>
      <p className="secret-row">
        <code aria-label={label}>{secret}</code>
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

/** An endpoint's editable fields, empty for a new one or filled with `endpoint`'s: the same in both forms. */
function EndpointFields({
  idPrefix,
  endpoint,
}: {
  idPrefix: string;
  endpoint?: { url: string; eventTypes: readonly PaymentEventType[]; description?: string | null };
}) {
  return (
    <>
      <label htmlFor={`${idPrefix}-url`}>Endpoint URL</label>
      <input
        id={`${idPrefix}-url`}
        name="url"
        type="url"
        required
        placeholder="https://example.com/webhooks"
        defaultValue={endpoint?.url}
      />
      <fieldset>
        <legend>Event types (none checked: all of them)</legend>
        {EVENT_TYPES.map(([value, name]) => (
          <label key={value} className="check">
            <input
              type="checkbox"
              name="eventTypes"
              value={value}
              defaultChecked={endpoint?.eventTypes.includes(value)}
            />{' '}
            {name}
          </label>
        ))}
      </fieldset>
      <label htmlFor={`${idPrefix}-description`}>Description</label>
      <input
        id={`${idPrefix}-description`}
        name="description"
        type="text"
        maxLength={200}
        defaultValue={endpoint?.description ?? ''}
      />
    </>
  );
}

/** What an endpoint form holds, as the mutations take it (no event type checked: all of them). */
function endpointInput(form: HTMLFormElement) {
  const data = new FormData(form);
  const eventTypes = data.getAll('eventTypes') as PaymentEventType[];
  const description = String(data.get('description') ?? '').trim();
  return {
    url: String(data.get('url') ?? '').trim(),
    eventTypes: eventTypes.length ? eventTypes : null,
    description: description || null,
  };
}

function AddEndpoint({ onCreated, onCancel }: { onCreated: (created: Created) => void; onCancel: () => void }) {
  const [create, { loading }] = useMutation(PortalCreateWebhookEndpointDocument, {
    refetchQueries: [PortalWebhookEndpointsDocument],
  });
  const [problems, setProblems] = useState<string[]>([]);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    try {
      const { data } = await create({ variables: { input: endpointInput(event.currentTarget) } });
      const result = data?.createWebhookEndpoint;
      if (!result) return setProblems(['The endpoint was not added. Try again.']);
      if (result.userErrors.length) return setProblems(result.userErrors.map((e) => e.message));
      onCreated(result);
    } catch (error) {
      setProblems([failureSentence(error)]);
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="add-heading">
      <h2 id="add-heading">Add endpoint</h2>
      {problems.length > 0 && (
        <div className="error" role="alert">
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      )}
      <EndpointFields idPrefix="endpoint" />
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

/** An endpoint's deliveries, newest first, with a status filter, each one's attempt log, and Replay for dead ones. */
function Deliveries({ endpointId }: { endpointId: string }) {
  const [status, setStatus] = useState<WebhookDeliveryStatus | ''>('');
  const { data, loading, error } = useQuery(PortalWebhookDeliveriesDocument, {
    variables: { endpointId, status: status || null },
    pollInterval: 3000,
  });
  const { replayOne, problem } = useReplay();
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
          {problem ?? (error ? failureSentence(error) : null)}
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
