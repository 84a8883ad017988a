import { useMutation } from '@apollo/client/react';
import {
  type PaymentEventType,
  PortalCreateWebhookEndpointDocument,
  type PortalCreateWebhookEndpointMutation,
  PortalWebhookEndpointsDocument,
} from '@pos/client';
import { type FormEvent, useState } from 'react';
import { failureSentence } from './failure';
import { EVENT_TYPES } from './format';
import { ProblemList } from './alerts';

/** A webhook endpoint's form: its fields (the same for adding one and for editing one), and adding one. */

/** An update sends the list itself: none checked there means every type, as when the endpoint was added. */
export const ALL_EVENT_TYPES = EVENT_TYPES.map(([value]) => value);

export type Created = NonNullable<PortalCreateWebhookEndpointMutation['createWebhookEndpoint']>;

/** An endpoint's editable fields, empty for a new one or filled with `endpoint`'s: the same in both forms. */
export function EndpointFields({
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
export function endpointInput(form: HTMLFormElement) {
  const data = new FormData(form);
  const eventTypes = data.getAll('eventTypes') as PaymentEventType[];
  const description = String(data.get('description') ?? '').trim();
  return {
    url: String(data.get('url') ?? '').trim(),
    eventTypes: eventTypes.length ? eventTypes : null,
    description: description || null,
  };
}

export function AddEndpoint({ onCreated, onCancel }: { onCreated: (created: Created) => void; onCancel: () => void }) {
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
      <ProblemList problems={problems} />
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
