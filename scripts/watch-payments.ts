/**
 * `pnpm watch:payments`: subscribes to paymentEvents through the gateway over graphql-ws and prints each event.
 * GATEWAY (default: the gateway `pnpm start` runs, on POS_PORT_BASE, 4000 by default), CLIENT_ID / CLIENT_SECRET
 * (default the demo partner), AFTER (a cursor).
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { launcherPorts } from './ports';

/** GATEWAY, or the gateway of `pnpm start` with the same port settings. */
export const gatewayUrl = (env: NodeJS.ProcessEnv): string =>
  env.GATEWAY ?? `http://localhost:${launcherPorts(env).services.gateway}`;

const clientId = process.env.CLIENT_ID ?? 'demo-partner';
const clientSecret = process.env.CLIENT_SECRET ?? 'demo-secret';

const query = `subscription Watch($after: String) {
  paymentEvents(after: $after) {
    cursor type occurredAt
    payment { id status amountCents currency order { number location { name } } }
  }
}`;

async function main() {
  const gateway = gatewayUrl(process.env);
  const response = await fetch(`${gateway}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  }).catch(() => {
    throw new Error(`The gateway at ${gateway} cannot be reached: is pnpm start running, with the same POS_PORT_BASE?`);
  });
  if (!response.ok) throw new Error(`token request failed: ${response.status} ${await response.text()}`);
  const { access_token: token } = (await response.json()) as { access_token: string };
  const client = createClient({
    url: `${gateway.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${token}` },
  });
  console.error(`Watching payment events of ${clientId} (Ctrl-C to stop)...`);
  for await (const event of client.iterate({ query, variables: { after: process.env.AFTER ?? null } })) {
    console.log(JSON.stringify(event));
  }
}

// Run as a script, not when a test imports gatewayUrl.
if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
