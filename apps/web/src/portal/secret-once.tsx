import { type ReactNode, useId, useState } from 'react';

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
