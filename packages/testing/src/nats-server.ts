import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@pos/kit';

/** A nats-server with JetStream of the test's own, on a free loopback port, its store in a temp folder. */
export interface TestNats {
  /** nats://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Stops it (SIGTERM) and waits until it has exited. Its JetStream store stays for restart(). */
  stop(): Promise<void>;
  /** Starts it again (stopped or not) on the same port and store; resolves once it accepts connections. */
  restart(): Promise<void>;
  /** Stops it and removes its store. */
  close(): Promise<void>;
}

const CANDIDATES = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];

/** The nats-server binary: on PATH or where Debian puts it; the test fails, never skips, without one. */
function natsServerBinary(): string {
  const onPath = (process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'nats-server'));
  const found = [...onPath, ...CANDIDATES].find((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!found) {
    throw new Error(
      'nats-server is required by this test (EVENTS_BROKER=nats runs against a real NATS JetStream) and was not ' +
        `found on PATH or at ${CANDIDATES.join(', ')}: install it (Debian: apt-get install nats-server)`,
    );
  }
  return found;
}

/** Whether something on `port` greets a new connection with NATS's INFO line. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (chunk: Buffer) => done(chunk.toString('utf8').startsWith('INFO')));
  });
}

/**
 * Starts `nats-server -js` of the test's own on a free port with its store in a temp folder, so a test never depends
 * on, nor stops, a NATS the machine runs for others. Resolves once it accepts connections; killed if the test process
 * exits first.
 */
export async function startNatsServer(options: { port?: number } = {}): Promise<TestNats> {
  const binary = natsServerBinary();
  const port = options.port ?? (await freePort());
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-nats-'));
  let child: ChildProcess | null = null;
  const kill = () => child?.kill('SIGKILL');
  process.once('exit', kill);

  const start = async () => {
    const started = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    started.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-2000)));
    child = started;
    const deadline = Date.now() + 10_000;
    while (!(await answers(port))) {
      if (started.exitCode !== null || Date.now() > deadline) {
        throw new Error(`nats-server on port ${port} did not start: ${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    stop,
    async restart() {
      await stop();
      await start();
    },
    async close() {
      await stop();
      process.removeListener('exit', kill);
      fs.rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
