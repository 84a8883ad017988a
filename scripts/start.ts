/**
 * `pnpm start`: the whole system on one machine. Checks that every port it needs is free (else it says which, held
 * by what and how to move them, and exits 1 having started nothing), starts an embedded PostgreSQL (unless
 * DATABASE_URL is set), then the four subgraphs and the gateway as separate processes (each applies its own migrations and, on an
 * empty database, seeds the demo data), waits until all are ready and prints where everything is. Meanwhile it
 * builds the browser pages (apps/web) if their sources changed since the last build (scripts/web-build.ts).
 * Ctrl-C (SIGINT) or SIGTERM stops every process and the database.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { type EmbeddedPg, startEmbeddedPostgres } from '@pos/kit';
import { ROOT, devServices, services, startServices, stopAll, systemEnv } from './launcher';
import { type LauncherPorts, type ServiceName, busyPorts, busyPortsMessage, launcherPorts } from './ports';
import { ensureWebBuild } from './web-build';

/**
 * The ports to use, or null, having said why, when a setting is not a port number or a port is taken. Checked
 * before anything starts (the data folder included): a service would only fail later with a raw EADDRINUSE, and
 * the readiness poll could meanwhile reach the other program and report the system up.
 */
async function portsToUse(): Promise<LauncherPorts | null> {
  let ports: LauncherPorts;
  try {
    ports = launcherPorts();
  } catch (error) {
    console.error(`Cannot start: ${(error as Error).message}`);
    return null;
  }
  const busy = await busyPorts(ports);
  if (!busy.length) return ports;
  console.error(await busyPortsMessage(ports, busy));
  return null;
}

async function main() {
  const started = Date.now();
  const ports = await portsToUse();
  if (!ports) {
    process.exitCode = 1;
    return;
  }
  const { base } = ports;
  let left: ServiceName[];
  try {
    left = devServices();
  } catch (error) {
    console.error(`Cannot start: ${(error as Error).message}`);
    process.exitCode = 1;
    return;
  }
  // The browser pages (the dashboard, GraphiQL), built beside the services' start when their sources changed; a failed build
  // leaves the API up and the page answering 503.
  const web = ensureWebBuild().then(
    ({ built, seconds }) => (built ? `web: built in ${seconds.toFixed(1)} s` : 'web: reused build'),
    (error: Error) => `web: build failed, the dashboard and GraphiQL unavailable\n${error.message}`,
  );
  const dataDir = path.resolve(ROOT, process.env.POS_DATA_DIR ?? '.data');
  const specs = services(base).specs.filter((spec) => !(left as string[]).includes(spec.name));
  const children: ChildProcess[] = [];
  let pg: EmbeddedPg | null = null;
  let stopping = false;

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping...');
    await stopAll(children);
    await pg?.stop().catch(() => undefined);
    console.log('Stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    let databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      const port = ports.postgres!;
      console.log(`Starting embedded PostgreSQL on 127.0.0.1:${port} (data in ${path.relative(ROOT, dataDir)}/pg)...`);
      pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port });
      await pg.createDatabase('pos');
      databaseUrl = pg.url('pos');
    }
    const env = systemEnv(databaseUrl, base, dataDir);
    // The gateway is ready when every subgraph answers, which a left-out one does only once its dev script runs:
    // until then, that it is alive is what there is to wait for.
    const probe = (spec: { name: string }) => (left.length && spec.name === 'gateway' ? '/healthz' : '/readyz');
    await startServices(
      specs,
      env,
      children,
      (message) => {
        if (stopping) return;
        console.error(`${message} unexpectedly; stopping everything.`);
        void stop(1);
      },
      undefined,
      probe,
    );
    const webStatus = await web;
    printBanner(base, ((Date.now() - started) / 1000).toFixed(1), webStatus);
    for (const name of left) {
      console.log(`${name} left out (POS_DEV): run it from its sources with \`pnpm --filter @pos/${name} dev\``);
    }
  } catch (error) {
    console.error(`Start failed: ${error instanceof Error ? error.message : String(error)}`);
    await stop(1);
  }
}

function printBanner(base: number, seconds: string, webStatus: string) {
  const gateway = `http://localhost:${base}`;
  console.log(`
POS federation gateway is up (${seconds} s; ${webStatus}).

  GraphQL (HTTP + graphql-ws)  ${gateway}/graphql   (GraphiQL in a browser)
  Partner portal               ${gateway}/portal/   (webhooks, API clients, loyalty programs, live payments)
  Live payments dashboard      ${gateway}/dashboard
  Loyalty customer page        ${gateway}/loyalty/  (sign in with demo-customer-482193, ...)
  POS staff launch landing     ${gateway}/pos/launch#token=...  (a launch link from POST /pos/v1/launch-tokens)
  Token endpoint               ${gateway}/oauth2/token
  JWKS                         ${gateway}/.well-known/jwks.json
  REST (partner API v1)        ${gateway}/pos/v1/locations
  OpenAPI                      ${gateway}/pos/v1/.well-known/openapi.json
  Health / readiness / metrics ${gateway}/healthz  ${gateway}/readyz  ${gateway}/metrics
  Subgraphs                    orders :${base + 1}  checks :${base + 2}  payments :${base + 3}  loyalty :${base + 4}

  Demo M2M clients             demo-partner / demo-secret    (partner "demo", locations 1 and 2)
                               other-partner / other-secret  (partner "other", location 3)
  Portal sign-ins              admin@demo.example / demo-admin-password    (partner admin, "demo")
                               dev@demo.example / demo-dev-password        (partner developer, "demo")
                               admin@other.example / other-admin-password  (partner admin, "other")
                               ops@tilt.example / demo-ops-password        (operator)
  Loyalty API keys             demo-loyalty-standard, demo-loyalty-balanced, demo-loyalty-strict, demo-loyalty-lapsed

  Get a token:
    curl -s -u demo-partner:demo-secret -d grant_type=client_credentials ${gateway}/oauth2/token

Ctrl-C stops everything.`);
}

void main();
