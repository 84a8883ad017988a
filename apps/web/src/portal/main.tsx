import './portal.css';
import { ApolloProvider } from '@apollo/client/react';
import { Fragment, type MouseEvent, StrictMode, useEffect, useRef, useState } from 'react';
import { ApiClientsPage } from './api-clients';
import { createRoot } from 'react-dom/client';
import { type Person, client, currentPerson, signOut } from './client';
import { DeadLetterCount, DeadLettersPage } from './dead-letters';
import { ProgramsPage } from './programs';
import { WebhooksPage } from './webhooks';

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

/** The portal's pages, each at its own path under /portal/ (the gateway serves this page at each of them). */
interface PortalPage {
  path: string;
  section: string;
  title: string;
  roles: ReadonlyArray<Person['role']>;
}
const PAGES: readonly PortalPage[] = [
  {
    path: '/portal/webhooks',
    section: 'Integrations',
    title: 'Webhooks',
    roles: ['partner_admin', 'partner_developer'],
  },
  {
    path: '/portal/api-clients',
    section: 'Integrations',
    title: 'API clients',
    roles: ['partner_admin', 'partner_developer'],
  },
  { path: '/portal/programs', section: 'Loyalty', title: 'Programs', roles: ['partner_admin'] },
  // The live payments dashboard, its own page: it takes this session too (nothing to paste).
  { path: '/dashboard?via=portal', section: 'Payments', title: 'Live', roles: ['partner_admin', 'partner_developer'] },
  { path: '/portal/dead-letters', section: 'Operations', title: 'Dead letters', roles: ['operator'] },
];

const isPortalPage = (page: PortalPage) => page.path.startsWith('/portal/');

/** The page at `pathname` the person may see; their first page for /portal/ or a page not theirs. */
function pageFor(pathname: string, role: Person['role']): PortalPage {
  const mine = PAGES.filter((page) => page.roles.includes(role) && isPortalPage(page));
  return mine.find((page) => page.path === pathname.replace(/\/$/, '')) ?? mine[0];
}

function Portal() {
  const [person, setPerson] = useState<Person | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [pathname, setPathname] = useState(window.location.pathname);
  const main = useRef<HTMLElement>(null);
  const navigated = useRef(false);
  useEffect(() => {
    currentPerson().then(setPerson, (error: Error) => setFailure(error.message));
    const onPop = () => setPathname(window.location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  // After moving to another page, focus goes to its heading, so that keyboard and screen reader users start there.
  useEffect(() => {
    if (!navigated.current) return;
    const heading = main.current?.querySelector('h1');
    heading?.setAttribute('tabindex', '-1');
    heading?.focus();
  }, [pathname, person]);
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
  const current = pageFor(pathname, person.role);
  const mine = PAGES.filter((page) => page.roles.includes(person.role));
  const sections = [...new Set(mine.map((page) => page.section))];
  // In-page navigation: the address changes (so a page can be bookmarked and reloaded), the document does not.
  const go = (event: MouseEvent<HTMLAnchorElement>, path: string) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    window.history.pushState(null, '', path);
    navigated.current = true;
    setPathname(path);
  };
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
          {sections.map((section) => (
            <Fragment key={section}>
              <p className="section">{section}</p>
              {mine
                .filter((page) => page.section === section)
                .map((page) => (
                  <a
                    key={page.path}
                    href={page.path}
                    aria-current={page === current ? 'page' : undefined}
                    onClick={isPortalPage(page) ? (event) => go(event, page.path) : undefined}
                  >
                    {page.title} {page.path === '/portal/webhooks' && <DeadLetterCount />}
                  </a>
                ))}
            </Fragment>
          ))}
        </nav>
        <main className="page" ref={main}>
          {current.path === '/portal/webhooks' && <WebhooksPage />}
          {current.path === '/portal/api-clients' && <ApiClientsPage />}
          {current.path === '/portal/programs' && <ProgramsPage personId={person.id} />}
          {current.path === '/portal/dead-letters' && <DeadLettersPage />}
        </main>
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
