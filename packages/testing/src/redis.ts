import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@pos/kit';
import { serverBinary } from './binaries';

/** A redis-server of the test's own, on a free loopback port, keeping nothing on disk. */
export interface TestRedis {
  /** redis://127.0.0.1:<port> */
  url: string;
  port: number;
  /**
   * Stops it (SIGTERM) and waits until it has exited; its port is then free, and nothing it held is kept. A test
   * stops it when done, or to take Redis away mid-test and restart() it.
   */
  stop(): Promise<void>;
  /** Starts it again (stopped or not) on the same port, empty; resolves once it answers PING. */
  restart(): Promise<void>;
  /** SIGSTOP: it holds its connections but answers nothing (a Redis too slow to answer); resume() with SIGCONT. */
  pause(): void;
  resume(): void;
  /** Runs one command over a connection of its own (e.g. `['DBSIZE']`) and answers its raw RESP reply (short ones). */
  command(args: string[]): Promise<string>;
}

/** One RESP command over a new connection; resolves with the first reply's bytes. */
function respCommand(port: number, args: string[], timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis on ${port}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      if (reply.endsWith('\r\n')) {
        clearTimeout(timer);
        socket.end();
        resolve(reply);
      }
    });
    socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`);
  });
}

/**
 * Starts a redis-server of the test's own: `--port <free> --bind 127.0.0.1 --save "" --appendonly no --dir <tmp>`,
 * so a test never depends on, nor touches, a Redis the machine runs for others. Resolves once it answers PING; the
 * test stops it (stop()), and it is killed if the test process exits first.
 */
export async function startRedisServer(options: { port?: number } = {}): Promise<TestRedis> {
  const binary = serverBinary('redis-server', 'RATE_LIMIT_STORE=redis runs against a real Redis');
  const port = options.port ?? (await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-redis-'));
  let child: ChildProcess | null = null;
  let output = '';
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const launch = async () => {
    output = '';
    // Made again at each start: stop() removes it (the server writes nothing there, but it must exist).
    fs.mkdirSync(dir, { recursive: true });
    const started = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = started;
    started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (started.exitCode !== null) throw new Error(`redis-server exited (${started.exitCode}):\n${output}`);
      try {
        if ((await respCommand(port, ['PING'], 500)).startsWith('+PONG')) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on ${port} within 10 s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  const stopChild = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    // A paused server takes no SIGTERM until it is continued.
    running.kill('SIGCONT');
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await stopChild();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await stopChild();
      await launch();
    },
    pause: () => {
      child?.kill('SIGSTOP');
    },
    resume: () => {
      child?.kill('SIGCONT');
    },
    command: (args) => respCommand(port, args),
  };
}
