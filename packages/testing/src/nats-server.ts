import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@pos/kit';
import { serverBinary } from './binaries';

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
  const binary = serverBinary('nats-server', 'EVENTS_BROKER=nats runs against a real NATS JetStream');
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
