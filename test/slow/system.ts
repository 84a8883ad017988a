/**
 * The whole system as separate processes for the reliability suites (faults.slow.ts, load.slow.ts): an embedded
 * PostgreSQL of their own (never the test run's shared cluster), persistent in a temp folder so that it can be
 * stopped and started again on the same port with the same data, and the four subgraphs and the gateway each in
 * its own process, started as the launcher starts them (`node -r ./scripts/register.js <entry>`, MALLOC env, the
 * launcher's ports: gateway on `base`, subgraphs on base+1..base+4). Each service can be killed and started again
 * on its port while the others keep running.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@pos/kit/embedded-pg';
import { TEST_ENV } from '@pos/testing';
import { Client } from 'pg';
import { MALLOC_ENV, ROOT, type ServiceSpec, freePortBlock, services, waitUntilReady } from '../../scripts/launcher';
import { stopChild } from '../support/processes';

const GC_SIGNAL = './test/slow/gc-signal.js';

/** What a process printed, at most this much (the newest): enough to explain a failure, bounded over a long run. */
const OUTPUT_LIMIT = 512 * 1024;

export interface ServiceProcess {
  name: string;
  port: number;
  child: ChildProcess | null;
  output: string;
  /** Log lines at level error (50) or above since the start of the run, whatever was trimmed from output. */
  errorLines: string[];
}

export interface SlowSystem {
  base: number;
  /** http://127.0.0.1:<gateway port> */
  origin: string;
  services: Record<string, ServiceProcess>;
  databaseUrl: string;
  /** The services' PostgreSQL: stopped (fast shutdown: sessions terminated) and started again on its port. */
  pg: { port: number; stop(): Promise<void>; start(): Promise<void>; running: boolean };
  /** SIGKILL: the process dies at once, mid-request, as in a crash. */
  kill(name: string): Promise<void>;
  /** Starts a service again on its port and waits until it is ready (its /readyz answers 200). */
  start(name: string): Promise<void>;
  token(clientId?: string, secret?: string): Promise<string>;
  /** SQL on the services' database (a short-lived connection, so it works across database restarts). */
  sql<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  /** Resident set size of a service's process, in bytes (VmRSS in /proc/<pid>/status). */
  rss(name: string): number;
  /**
   * V8 heap used plus external memory (Buffers) of a service, in bytes, right after a full garbage collection
   * (SIGUSR2, see gc-signal.js; then read from its /metrics): what the process keeps.
   */
  heapAfterGc(name: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * A second process of a service (`of`), named `name`, on a free port of its own, started once the system is ready;
 * `env` (given every process's port by name) overrides the shared environment, e.g. a second gateway's PAYMENTS_URL.
 */
export interface Replica {
  name: string;
  /** The service it is another process of: orders, checks, payments, loyalty or gateway. */
  of: string;
  env?: (ports: Record<string, number>) => Record<string, string>;
}

export async function startSlowSystem(
  extraEnv: Record<string, string> = {},
  options: { replicas?: Replica[] } = {},
): Promise<SlowSystem> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-reliability-'));
  const dataDir = path.join(tmp, 'pg');
  const pgPort = await freePort();
  let pg: ChildProcess | null = await startPostgres(dataDir, pgPort).catch((error: unknown) => {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw error;
  });
  const databaseUrl = `postgres://postgres:postgres@127.0.0.1:${pgPort}/pos`;
  const base = await freePortBlock();
  const { specs, urls } = services(base);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...MALLOC_ENV,
    ...TEST_ENV,
    NODE_ENV: 'development',
    DATABASE_URL: databaseUrl,
    ...urls,
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${base}`,
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'true',
    // These suites measure faults and load, not the per-caller rate and cost limits (on in every mode): one client
    // here sends what many would.
    RATE_LIMIT_PER_SECOND: '0',
    COST_LIMIT_RESTORE_PER_SECOND: '0',
    ...extraEnv,
  };
  const byName = Object.fromEntries(specs.map((s) => [s.name, s])) as Record<string, ServiceSpec>;
  const replicas = options.replicas ?? [];
  const replicaSpecs: ServiceSpec[] = [];
  for (const replica of replicas) {
    replicaSpecs.push({ ...byName[replica.of], name: replica.name, port: await freePort() });
  }
  for (const spec of replicaSpecs) byName[spec.name] = spec;
  const ports = Object.fromEntries(Object.values(byName).map((spec) => [spec.name, spec.port]));
  const envOf = Object.fromEntries(replicas.map((replica) => [replica.name, replica.env?.(ports) ?? {}]));
  const procs: Record<string, ServiceProcess> = Object.fromEntries(
    [...specs, ...replicaSpecs].map((s) => [
      s.name,
      { name: s.name, port: s.port, child: null, output: '', errorLines: [] },
    ]),
  );

  const spawnOne = (name: string): ChildProcess => {
    const spec = byName[name];
    const proc = procs[name];
    // --expose-gc and gc-signal.js: SIGUSR2 collects garbage (heapAfterGc); nothing else differs from the launcher.
    const child = spawn(process.execPath, ['--expose-gc', '-r', GC_SIGNAL, '-r', './scripts/register.js', spec.entry], {
      cwd: ROOT,
      env: { ...env, ...envOf[name], PORT: String(spec.port) },
      // An IPC channel, as the launcher's: a service whose test process dies (a CI timeout) stops on its own.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    // Whole lines only: a chunk may end mid-line. One partial line per stream.
    const reader = () => {
      let partial = '';
      return (chunk: Buffer) => {
        const text = partial + chunk.toString();
        const lines = text.split('\n');
        partial = lines.pop()!;
        const whole = lines.join('\n');
        proc.output = (proc.output + whole + '\n').slice(-OUTPUT_LIMIT);
        for (const line of lines) if (/"level":(50|60)/.test(line)) proc.errorLines.push(line.slice(0, 4000));
      };
    };
    child.stdout!.on('data', reader());
    child.stderr!.on('data', reader());
    proc.child = child;
    return child;
  };
  const ready = async (name: string) => {
    const child = procs[name].child!;
    try {
      await waitUntilReady(`http://127.0.0.1:${procs[name].port}/readyz`, 90_000, () => child.exitCode === null);
    } catch (error) {
      throw new Error(`${name} did not start: ${(error as Error).message}\n${procs[name].output.slice(-5000)}`);
    }
  };
  const stopProcess = async (name: string, signal: NodeJS.Signals) => {
    const child = procs[name].child;
    procs[name].child = null;
    await stopChild(child, signal);
  };

  const pgControl = {
    port: pgPort,
    running: true,
    stop: async () => {
      pgControl.running = false;
      await stopPostgres(pg);
      pg = null;
    },
    start: async () => {
      pg = await startPostgres(dataDir, pgPort);
      pgControl.running = true;
    },
  };

  const close = async () => {
    await Promise.all(Object.keys(procs).map((name) => stopProcess(name, 'SIGTERM')));
    await stopPostgres(pg);
    fs.rmSync(tmp, { recursive: true, force: true });
  };

  try {
    // All at once, as the launcher does: each applies its own migrations (advisory-locked) and seeds its demo data.
    for (const spec of specs) spawnOne(spec.name);
    await Promise.all(specs.map((s) => ready(s.name)));
    // Replicas once the database is migrated and seeded: they find it ready, as a scaled-out deployment's would.
    for (const spec of replicaSpecs) spawnOne(spec.name);
    await Promise.all(replicaSpecs.map((s) => ready(s.name)));
  } catch (error) {
    await close();
    throw error;
  }

  const origin = `http://127.0.0.1:${base}`;
  return {
    base,
    origin,
    services: procs,
    databaseUrl,
    pg: pgControl,
    kill: (name) => stopProcess(name, 'SIGKILL'),
    start: async (name) => {
      spawnOne(name);
      await ready(name);
    },
    token: async (clientId = 'demo-partner', secret = 'demo-secret') => {
      const response = await fetch(`${origin}/oauth2/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      });
      const body = (await response.json()) as { access_token?: string };
      if (!body.access_token) throw new Error(`token: ${response.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
    sql: async <T>(query: string, params: unknown[] = []) => {
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        return (await client.query(query, params)).rows as T[];
      } finally {
        await client.end();
      }
    },
    rss: (name) => {
      const pid = procs[name].child?.pid;
      if (!pid) return 0;
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = /VmRSS:\s+(\d+) kB/.exec(status);
      return kb ? Number(kb[1]) * 1024 : 0;
    },
    heapAfterGc: async (name) => {
      const pid = procs[name].child?.pid;
      if (!pid) return 0;
      process.kill(pid, 'SIGUSR2');
      // The signal's handler runs on the service's next turn, well before a request sent this much later.
      await new Promise((r) => setTimeout(r, 100));
      const port = procs[name].port;
      const [heap, external] = await Promise.all([
        serviceMetric(port, 'nodejs_heap_size_used_bytes'),
        serviceMetric(port, 'nodejs_external_memory_bytes'),
      ]);
      return heap + external;
    },
    close,
  };
}

/** A metric's value (its first series) on the /metrics of the service on `port`; 0 when it has none. */
export async function serviceMetric(port: number, name: string): Promise<number> {
  const text = (await call(`http://127.0.0.1:${port}/metrics`)).body as string;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** Starts pg-server.ts (PostgreSQL on `port` with its data in `dataDir`) and waits until it accepts connections. */
async function startPostgres(dataDir: string, port: number): Promise<ChildProcess> {
  const child = fork(path.join(__dirname, 'pg-server.ts'), [dataDir, String(port)], {
    cwd: ROOT,
    execArgv: ['-r', path.join(ROOT, 'scripts/register.js')],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`PostgreSQL did not start (exit ${code}):\n${output}`)));
  });
  return child;
}

/** Stops PostgreSQL (fast shutdown) and waits until its process has exited. */
async function stopPostgres(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

export interface Answer {
  status: number;
  body: any;
  ms: number;
  /** The client gave up after its timeout (status 0), or the connection failed (status -1). */
  failure?: 'timeout' | 'network';
  /** The answer replays the stored result of an earlier request with the same Idempotency-Key. */
  replayed?: boolean;
}

/**
 * One HTTP call with a client timeout; never throws. JSON in, JSON out (a body that is not JSON is kept as text).
 */
export async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown; timeoutMs?: number } = {},
): Promise<Answer> {
  const started = Date.now();
  try {
    const response = await fetch(url, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text, and the caller's assertions say what they expected
    }
    return {
      status: response.status,
      body,
      ms: Date.now() - started,
      replayed: response.headers.get('idempotent-replayed') === 'true',
    };
  } catch (error) {
    const timeout = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
    return {
      status: timeout ? 0 : -1,
      body: String((error as Error).message),
      ms: Date.now() - started,
      failure: timeout ? 'timeout' : 'network',
    };
  }
}

/** What a subscriber got of one event: the outbox sequence (cursor) and the payment. */
export interface SeenEvent {
  seq: number;
  id: string;
  type: string;
  paymentId: string;
  locationId: string | null;
}

export interface EventSubscriber {
  /** Events in the order received, unless `keep` was false (then only the counters below). */
  events: SeenEvent[];
  count: number;
  /** The cursor of the last event received; cursors must strictly increase (no duplicate, outbox order). */
  lastSeq: number;
  /** Deliveries at or below the previous cursor: a duplicate or an out-of-order event. */
  outOfOrder: number;
  /** Error payloads, malformed messages, or the subscription ending before close(). */
  errors: string[];
  close(): Promise<void>;
}

export const EVENT_FIELDS = 'id cursor type locationId payload { paymentId }';

/**
 * A payment-events subscriber on raw `ws` speaking graphql-transport-ws (connection_init with the bearer token,
 * connection_ack, one subscribe, next/error/complete, pong to ping), as scripts/bench/subscriber-clients.ts does: graphql-ws's
 * own client costs as much CPU per delivery as the gateway, on the same two cores. Resolves once subscribed (the
 * caller proves the stream is live with an event). `onEvent` sees every delivery.
 */
export function openSubscriber(
  wsUrl: string,
  token: string,
  options: {
    query?: string;
    variables?: Record<string, unknown>;
    keep?: boolean;
    onEvent?: (event: SeenEvent, data: any) => void;
  } = {},
): Promise<EventSubscriber> {
  // Loaded lazily: only the suites that subscribe need it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const WebSocket = require('ws') as typeof import('ws');
  const query = options.query ?? `subscription { paymentEvents { ${EVENT_FIELDS} } }`;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    let subscribed = false;
    let closing = false;
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    const subscriber: EventSubscriber = {
      events: [],
      count: 0,
      lastSeq: 0,
      outOfOrder: 0,
      errors: [],
      close: () => {
        closing = true;
        if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close(1000);
        return closed;
      },
    };
    const fail = (what: string) => {
      if (closing) return;
      subscriber.errors.push(what.slice(0, 500));
      if (!subscribed) reject(new Error(`subscriber: ${what}`));
    };
    socket.once('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } })),
    );
    socket.on('message', (data: Buffer) => {
      let message: { type: string; id?: string; payload?: any };
      try {
        message = JSON.parse(data.toString());
      } catch {
        return fail(`not JSON: ${data.toString()}`);
      }
      switch (message.type) {
        case 'connection_ack':
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables: options.variables } }));
          subscribed = true;
          return resolve(subscriber);
        case 'ping':
          return socket.send(JSON.stringify({ type: 'pong' }));
        case 'pong':
          return;
        case 'next': {
          const event = message.payload?.data?.paymentEvents;
          if (message.payload?.errors?.length || !event?.cursor) return fail(`next: ${data.toString()}`);
          const seen: SeenEvent = {
            seq: Number(event.cursor),
            id: event.id,
            type: event.type,
            paymentId: event.payload?.paymentId,
            locationId: event.locationId ?? null,
          };
          subscriber.count++;
          if (seen.seq <= subscriber.lastSeq) subscriber.outOfOrder++;
          subscriber.lastSeq = Math.max(subscriber.lastSeq, seen.seq);
          if (options.keep !== false) subscriber.events.push(seen);
          options.onEvent?.(seen, event);
          return;
        }
        case 'error':
          return fail(`error: ${data.toString()}`);
        case 'complete':
          return fail('completed by the server');
        default:
          return fail(`unexpected: ${data.toString()}`);
      }
    });
    socket.once('close', (code, reason) => fail(`closed ${code} ${String(reason)}`));
    socket.once('error', (error) => fail(String(error)));
  });
}

/** Order and payment over the partner REST API (v1), each with an Idempotency-Key. */
export function restApi(origin: string, token: string, timeoutMs = 15_000) {
  const auth = { authorization: `Bearer ${token}` };
  return {
    createOrder: (key: string, totalMinor: number, locationId = 1) =>
      call(`${origin}/pos/v1/orders`, {
        headers: { ...auth, 'idempotency-key': key },
        body: {
          location_id: locationId,
          currency: 'USD',
          total_cents: totalMinor,
          external_source: 'reliability',
          external_id: key,
        },
        timeoutMs,
      }),
    pay: (orderId: string, key: string, amountCents: number, cardToken = 'tok_visa') =>
      call(`${origin}/pos/v1/orders/${orderId}/payments`, {
        headers: { ...auth, 'idempotency-key': key },
        body: { amount_cents: amountCents, currency: 'USD', card_token: cardToken },
        timeoutMs,
      }),
    refund: (orderId: string, paymentId: string, key: string, amountCents: number) =>
      call(`${origin}/pos/v1/orders/${orderId}/payments/${paymentId}/refunds`, {
        headers: { ...auth, 'idempotency-key': key },
        body: { amount_cents: amountCents },
        timeoutMs,
      }),
    getOrder: (orderId: string) => call(`${origin}/pos/v1/orders/${orderId}`, { headers: auth, timeoutMs }),
    graphql: (query: string, variables: Record<string, unknown> = {}) =>
      call(`${origin}/graphql`, { headers: auth, body: { query, variables }, timeoutMs }),
  };
}
