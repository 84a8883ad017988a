import { useMutation, useQuery } from '@apollo/client/react';
import {
  PortalReplayWebhookDeliveryDocument,
  PortalWebhookDeliveriesDocument,
  type WebhookDeliveryStatus,
} from '@pos/client';
import { useState } from 'react';
import { failureSentence, refusal } from './failure';
import { EVENT_NAMES, when } from './format';
import { FailureAlert } from './alerts';

/** A webhook endpoint's deliveries, and replaying a dead one (here and on Dead letters). */

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

const STATUSES: ReadonlyArray<[WebhookDeliveryStatus | '', string]> = [
  ['', 'All'],
  ['PENDING', 'Pending'],
  ['DELIVERED', 'Delivered'],
  ['DEAD', 'Dead'],
];

/** An endpoint's deliveries, newest first, with a status filter, each one's attempt log, and Replay for dead ones. */
export function Deliveries({ endpointId }: { endpointId: string }) {
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
      <FailureAlert problem={problem} error={error} />
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
