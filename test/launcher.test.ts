import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@pos/kit';
import { postGraphQL } from '@pos/kit/src/testing';
import { freePortBlock } from '../scripts/launcher';

const root = path.resolve(__dirname, '..');

interface Launched {
  child: ChildProcess;
  output: () => string;
  secondsToReady: number;
}

/** Runs `pnpm start`'s script in its own process group, as a terminal would, and waits for the banner. */
async function launch(env: NodeJS.ProcessEnv): Promise<Launched> {
  const startedAt = Date.now();
  const child = spawn(process.execPath, ['-r', './scripts/register.js', 'scripts/start.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not up within 30 s:\n${output}`)), 30_000);
    const poll = setInterval(() => {
      if (output.includes('is up')) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(poll);
        clearTimeout(timer);
        reject(new Error(`launcher exited:\n${output}`));
      }
    }, 100);
  });
  return { child, output: () => output, secondsToReady: (Date.now() - startedAt) / 1000 };
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
      'mutation { createOrder(input: { locationId: "1", currency: "USD", totalCents: 4200 }) { order { id } } }',
      {},
      bearer,
    );
    const orderId = created.body.data!.createOrder.order.id;
    const { body } = await postGraphQL(
      graphql,
      '{ locations { name openChecks { posRef } } loyaltyCustomer(code: "482193") { points } }',
      {},
      bearer,
    );
    expect(body.data!.locations.map((l: { name: string }) => l.name)).toEqual([
      'Demo Bistro Downtown',
      'Demo Bistro Airport',
    ]);
    expect(body.data!.loyaltyCustomer.points).toBe(500);

    // Ctrl-C in a terminal signals the whole foreground process group.
    process.kill(-first.child.pid!, 'SIGINT');
    expect(await exitOf(first.child)).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(processes.filter(alive)).toEqual([]);

    // The second start reuses the data (same signing key, same order) and seeds nothing twice.
    const second = await launch(env);
    const again = await postGraphQL(
      graphql,
      'query($id: ID!) { order(id: $id) { totalCents } locations { id } }',
      { id: orderId },
      {
        authorization: `Bearer ${await token(base)}`,
      },
    );
    expect(again.body.data).toEqual({ order: { totalCents: 4200 }, locations: [{ id: '1' }, { id: '2' }] });
    const secondProcesses = descendants(second.child.pid!);
    second.child.kill('SIGTERM');
    expect(await exitOf(second.child)).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(secondProcesses.filter(alive)).toEqual([]);
  }, 120_000);
});
