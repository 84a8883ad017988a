import { useQuery } from '@apollo/client/react';
import { PortalDeadLetterCountDocument, PortalDeadLettersDocument } from '@pos/client';
import { type FormEvent, useState } from 'react';
import { EVENT_NAMES, when } from './format';
import { useReplay } from './webhook-deliveries';
import { FailureAlert } from './alerts';

/**
 * Operations → Dead letters (operators): every partner's webhook deliveries whose attempts all failed, newest
 * first, narrowed to one partner on request, each replayable (the same event again, a new run of attempts).
 */
export function DeadLettersPage() {
  const [partnerId, setPartnerId] = useState<string | null>(null);
  const { data, loading, error } = useQuery(PortalDeadLettersDocument, {
    variables: { partnerId },
    pollInterval: 5000,
  });
  const { replayOne, problem } = useReplay();
  const filter = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = String(new FormData(event.currentTarget).get('partner') ?? '').trim();
    setPartnerId(value || null);
  };
  const letters = data?.webhookDeadLetters.nodes ?? [];
  return (
    <>
      <h1>Dead letters</h1>
      <form className="filter" onSubmit={filter}>
        <label htmlFor="partner-filter">Partner</label>
        <input id="partner-filter" name="partner" type="text" placeholder="every partner" />{' '}
        <button type="submit">Filter</button>
      </form>
      <FailureAlert problem={problem} error={error} />
      {loading && !data ? (
        <p className="muted">Loading…</p>
      ) : letters.length === 0 ? (
        <p className="muted">No dead letters{partnerId ? ` for ${partnerId}` : ''}.</p>
      ) : (
        <>
          <p className="muted" id="dead-letter-total">
            {data?.webhookDeadLetters.totalCount} dead letter{data?.webhookDeadLetters.totalCount === 1 ? '' : 's'}
            {partnerId ? ` for ${partnerId}` : ' across partners'}
          </p>
          <ul className="delivery-list" aria-label="Dead letters">
            {letters.map((letter) => (
              <li key={letter.id} className="card" data-partner={letter.tenantId}>
                <p>
                  <strong>{letter.tenantId}</strong> {EVENT_NAMES.get(letter.eventType) ?? letter.eventType}{' '}
                  <span className="muted">
                    {when(letter.createdAt)} · {letter.attempts} attempts · last{' '}
                    {letter.lastStatusCode ?? letter.lastError ?? 'no answer'}
                  </span>
                </p>
                <button type="button" onClick={() => void replayOne(letter.id)}>
                  Replay
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
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
