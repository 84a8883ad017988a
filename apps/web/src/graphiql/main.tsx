// Monaco's editor, JSON and GraphQL workers, bundled by Vite as module workers from this origin: must run before
// GraphiQL creates its first editor.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import './page.css';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

/**
 * GraphiQL against this gateway: queries and mutations over HTTP on /graphql, subscriptions over graphql-ws on the
 * same path. The headers editor's JSON goes with every HTTP request and, for a subscription, as the connection_init
 * payload, which is where the gateway reads a WebSocket caller's Authorization. Headers are not persisted
 * (GraphiQL's default): a token pasted here is gone when the tab closes.
 */
const endpoint = new URL('/graphql', window.location.href);
const subscriptionUrl = new URL(endpoint);
subscriptionUrl.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';

const fetcher = createGraphiQLFetcher({ url: endpoint.href, subscriptionUrl: subscriptionUrl.href });

const DEFAULT_HEADERS = `{
  // Every request needs a token. For the demo partner:
  //   curl -s -u demo-partner:demo-secret -d grant_type=client_credentials ${endpoint.origin}/oauth2/token
  // then reload the schema (Shift+Ctrl+R) to get completion and the docs.
  "Authorization": "Bearer "
}
`;

const DEFAULT_QUERY = `# The POS federation gateway. Put your token in Headers below, then run an operation.
query Locations {
  locations {
    nodes {
      id
      name
    }
  }
}

# Payment events as they commit; run it, then take a payment in another tab.
subscription PaymentEvents {
  paymentEvents {
    id
    type
    occurredAt
  }
}
`;

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} defaultHeaders={DEFAULT_HEADERS} defaultQuery={DEFAULT_QUERY} />
  </StrictMode>,
);
