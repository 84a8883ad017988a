import './portal.css';
import { ApolloProvider } from '@apollo/client/react';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { type Person, client, currentPerson, signOut } from './client';
import { DeadLettersPage } from './dead-letters';
import { DeadLetterCount, WebhooksPage } from './webhooks';

/**
 * The partner portal (GET /portal/): the pages of a partner's admins and developers, and the platform's operators.
 * The gateway signs the person in (authorization code + PKCE at its own issuer) and keeps the session; this page
 * only asks who is signed in and talks to /graphql with the session cookie the browser sends by itself.
 */

const ROLE_NAMES: Record<Person['role'], string> = {
  partner_admin: 'Partner admin',
  partner_developer: 'Partner developer',
  operator: 'Operator',
};

function Portal() {
  const [person, setPerson] = useState<Person | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    currentPerson().then(setPerson, (error: Error) => setFailure(error.message));
  }, []);
  if (failure) {
    return (
      <main className="page">
        <p role="alert" className="error">
          {failure}
        </p>
      </main>
    );
  }
  if (!person) return <p className="loading">Loading…</p>;
  const partnerPages = person.role !== 'operator';
  return (
    <>
      <header className="bar">
        <span className="brand">Partner portal</span>
        <span className="who">
          <span id="person-name">{person.name}</span>{' '}
          <span className="muted">
            {ROLE_NAMES[person.role]} · {person.partnerId}
          </span>
        </span>
        <button type="button" className="link" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <div className="layout">
        <nav aria-label="Portal">
          {partnerPages ? (
            <>
              <p className="section">Integrations</p>
              <a href="/portal/" aria-current="page">
                Webhooks <DeadLetterCount />
              </a>
            </>
          ) : (
            <>
              <p className="section">Operations</p>
              <a href="/portal/" aria-current="page">
                Dead letters
              </a>
            </>
          )}
        </nav>
        <main className="page">{partnerPages ? <WebhooksPage /> : <DeadLettersPage />}</main>
      </div>
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApolloProvider client={client}>
      <Portal />
    </ApolloProvider>
  </StrictMode>,
);
