import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@pos/kit';
import { postGraphQL, until } from '@pos/testing';
import { devServices, freePortBlock } from '../scripts/launcher';
import { launcherPorts, listenError } from '../scripts/ports';
import { gatewayUrl } from '../scripts/watch-payments';

const root = path.resolve(__dirname, '..');

interface Launched {
  child: ChildProcess;
  output: () => string;
  secondsToReady: number;
}

/** Starts `pnpm start`'s script in its own process group, as a terminal would, collecting what it prints. */
function spawnLauncher(env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['-r', './scripts/register.js', 'scripts/start.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

/** Runs the launcher and waits for the banner. */
async function launch(env: NodeJS.ProcessEnv): Promise<Launched> {
  const startedAt = Date.now();
  const { child, output } = spawnLauncher(env);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Stop what did start, so a failed start leaves no services running behind the test.
      clearInterval(poll);
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`not up within 30 s:\n${output()}`));
    }, 30_000);
    const poll = setInterval(() => {
      if (output().includes('is up')) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(poll);
        clearTimeout(timer);
        reject(new Error(`launcher exited:\n${output()}`));
      }
    }, 100);
  });
  return { child, output, secondsToReady: (Date.now() - startedAt) / 1000 };
}

function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid=']).toString();
  const pairs = out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number));
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of pairs) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function token(base: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${base}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('demo-partner:demo-secret').toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

describe('pnpm start (the launcher)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-launch-'));
  // Like .data/ in the repo: PostgreSQL runs as the postgres user and must be able to reach its folder.
  fs.chmodSync(dataDir, 0o755);
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('serves the demo data within 30 s, stops cleanly on Ctrl-C, and keeps the data for the next start', async () => {
    const base = await freePortBlock();
    const env = {
      POS_DATA_DIR: dataDir,
      POS_PG_PORT: String(await freePort()),
      POS_PORT_BASE: String(base),
      LOG_LEVEL: 'warn',
    };
    const graphql = `http://127.0.0.1:${base}/graphql`;

    const first = await launch(env);
    expect(first.secondsToReady).toBeLessThan(30);
    const processes = descendants(first.child.pid!);
    expect(processes.length).toBeGreaterThanOrEqual(6); // five services and PostgreSQL
    const bearer = { authorization: `Bearer ${await token(base)}` };
    const created = await postGraphQL(
      graphql,
      'mutation { createOrder(input: { locationId: "1", currency: "USD", totalMinor: 4200 }) { order { id } } }',
      {},
      bearer,
    );
    const orderId = created.body.data!.createOrder.order.id;
    const { body } = await postGraphQL(
      graphql,
      '{ locations { nodes { name checks { nodes { posRef } } } } loyaltyCustomer(code: "482193") { points } }',
      {},
      bearer,
    );
    expect(body.data!.locations.nodes.map((l: { name: string }) => l.name)).toEqual([
      'Demo Bistro Downtown',
      'Demo Bistro Airport',
    ]);
    expect(body.data!.loyaltyCustomer.points).toBe(500);

    // Ctrl-C in a terminal signals the whole foreground process group.
    process.kill(-first.child.pid!, 'SIGINT');
    expect(await exitOf(first.child)).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(processes.filter(alive)).toEqual([]);

    // The second start reuses the data (same signing key, same order) and seeds nothing twice. It also runs one
    // service from its sources: `POS_DEV=loyalty pnpm start` leaves loyalty out, and the package's `dev` script runs
    // it where the launcher would have, with the same database and secrets, so the gateway answers through it.
    const second = await launch({ ...env, POS_DEV: 'loyalty' });
    expect(second.output()).toContain(
      'loyalty left out (POS_DEV): run it from its sources with `pnpm --filter @pos/loyalty dev`',
    );
    // One token for the second start: the poll below asks every 25 ms, and a token request each time would cost the
    // gateway a scrypt of the client secret per poll, on the cores the dev-run loyalty subgraph is starting on.
    const secondBearer = { authorization: `Bearer ${await token(base)}` };
    const again = await postGraphQL(
      graphql,
      'query($id: ID!) { order(id: $id) { total { amountMinor } } locations { nodes { id } } }',
      { id: orderId },
      secondBearer,
    );
    expect(again.body.data).toEqual({
      order: { total: { amountMinor: 4200 } },
      locations: { nodes: [{ id: '1' }, { id: '2' }] },
    });
    const points = async () => {
      const { body } = await postGraphQL(graphql, '{ loyaltyCustomer(code: "482193") { points } }', {}, secondBearer);
      return body.data?.loyaltyCustomer?.points ?? null;
    };
    expect(await points()).toBeNull(); // the loyalty subgraph is not running
    const dev = spawn(process.execPath, ['-r', '../../scripts/register.js', '../../scripts/dev-service.ts'], {
      cwd: path.join(root, 'subgraphs/loyalty'),
      env: { ...process.env, ...env },
      detached: true,
      stdio: 'ignore',
    });
    try {
      await until(async () => (await points()) === 500, 'the loyalty subgraph run by its dev script answers', 30_000);
    } finally {
      process.kill(-dev.pid!, 'SIGTERM');
      await exitOf(dev);
    }
    const secondProcesses = descendants(second.child.pid!);
    second.child.kill('SIGTERM');
    expect(await exitOf(second.child)).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(secondProcesses.filter(alive)).toEqual([]);
  }, 180_000);
});

/** Runs `pnpm start`'s script to its exit, in its own process group. */
async function runToExit(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string; seconds: number }> {
  const startedAt = Date.now();
  const { child, output } = spawnLauncher(env);
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 60_000);
  const code = await exitOf(child);
  clearTimeout(timer);
  // Whatever the launcher started would be in its process group: nothing of it may be left.
  expect(() => process.kill(-child.pid!, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  return { code, output: output(), seconds: (Date.now() - startedAt) / 1000 };
}

/** Listens on `port` as another program would: this one answers every HTTP request with 200, readiness polls too. */
async function occupy(port: number, host: string): Promise<http.Server> {
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}

describe('pnpm start with a port already in use', () => {
  const dataDir = () => path.join(os.tmpdir(), `pos-busy-${randomUUID()}`);

  it('names the port, the service and the process holding it, says how to move it, and starts nothing', async () => {
    const base = await freePortBlock();
    const pgPort = await freePort();
    const data = dataDir();
    // Another copy of the system, say: its payments port answers the launcher's readiness poll.
    const occupant = await occupy(base + 3, '127.0.0.1');
    try {
      const run = await runToExit({
        POS_DATA_DIR: data,
        POS_PORT_BASE: String(base),
        POS_PG_PORT: String(pgPort),
        LOG_LEVEL: 'warn',
      });
      expect(run.code).toBe(1);
      expect(run.output).toContain(`port ${base + 3} (payments) is in use by pid ${process.pid} (`);
      expect(run.output).toContain(`POS_PORT_BASE=`);
      expect(run.output).not.toContain(`POS_PG_PORT=`);
      expect(run.output).toContain('Nothing was started.');
      expect(run.output).not.toMatch(/is up|Starting|EADDRINUSE|\n\s+at /);
      expect(fs.existsSync(data)).toBe(false);
      for (const port of [base, base + 1, base + 2, base + 4, pgPort])
        expect(await listenError(port, '0.0.0.0')).toBeNull();
      expect(run.seconds).toBeLessThan(15);
    } finally {
      occupant.close();
    }
  }, 90_000);

  it('checks the embedded PostgreSQL’s port too, and lists every port taken', async () => {
    const base = await freePortBlock();
    const pgPort = await freePort();
    const data = dataDir();
    const occupants = [await occupy(base, '0.0.0.0'), await occupy(pgPort, '127.0.0.1')];
    try {
      const run = await runToExit({ POS_DATA_DIR: data, POS_PORT_BASE: String(base), POS_PG_PORT: String(pgPort) });
      expect(run.code).toBe(1);
      expect(run.output).toContain(`port ${base} (gateway) is in use by pid ${process.pid} (`);
      expect(run.output).toContain(`port ${pgPort} (embedded PostgreSQL) is in use by pid ${process.pid} (`);
      expect(run.output).toMatch(/POS_PORT_BASE=\d+/);
      expect(run.output).toMatch(/POS_PG_PORT=\d+/);
      expect(run.output).not.toMatch(/is up|Starting|failed to start|\n\s+at /);
      expect(fs.existsSync(data)).toBe(false);
    } finally {
      for (const occupant of occupants) occupant.close();
    }
  }, 90_000);
});

describe('the port settings every script shares', () => {
  it('puts the five services on POS_PORT_BASE and the next four, PostgreSQL on POS_PG_PORT', () => {
    expect(launcherPorts({})).toEqual({
      base: 4000,
      services: { gateway: 4000, orders: 4001, checks: 4002, payments: 4003, loyalty: 4004 },
      postgres: 54329,
    });
    expect(launcherPorts({ POS_PORT_BASE: '5100', POS_PG_PORT: '6000' })).toEqual({
      base: 5100,
      services: { gateway: 5100, orders: 5101, checks: 5102, payments: 5103, loyalty: 5104 },
      postgres: 6000,
    });
    // An external database: no embedded PostgreSQL, so no port of its own to check.
    expect(launcherPorts({ DATABASE_URL: 'postgres://db.example/pos', POS_PG_PORT: '6000' }).postgres).toBeNull();
  });

  it('POS_DEV names the services pnpm start leaves out, and nothing that is not one', () => {
    expect(devServices({ POS_DEV: 'payments, loyalty' })).toEqual(['payments', 'loyalty']);
    expect(devServices({})).toEqual([]);
    expect(() => devServices({ POS_DEV: 'payments,billing' })).toThrow(
      'POS_DEV names no service: billing (the services: gateway, orders, checks, payments, loyalty)',
    );
  });

  it('refuses a setting that is not a port number, naming it', () => {
    expect(() => launcherPorts({ POS_PORT_BASE: 'abc' })).toThrow(
      'POS_PORT_BASE must be a port number from 1 to 65531, not "abc"',
    );
    expect(() => launcherPorts({ POS_PORT_BASE: '65533' })).toThrow(/^POS_PORT_BASE must be/);
    expect(() => launcherPorts({ POS_PG_PORT: '0' })).toThrow(
      'POS_PG_PORT must be a port number from 1 to 65535, not "0"',
    );
  });

  it('pnpm watch:payments connects to the gateway of POS_PORT_BASE unless GATEWAY says otherwise', () => {
    expect(gatewayUrl({})).toBe('http://localhost:4000');
    expect(gatewayUrl({ POS_PORT_BASE: '5100' })).toBe('http://localhost:5100');
    expect(gatewayUrl({ POS_PORT_BASE: '5100', GATEWAY: 'https://pos.example' })).toBe('https://pos.example');
  });
});
