import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

export interface ServiceProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<port>/graphql, from the service's own "listening" log line. */
  url: string;
  output(): string;
  /** SIGKILL: the process dies at once, mid-request, as in a crash. */
  kill(): Promise<void>;
  /** SIGTERM: the graceful shutdown. */
  stop(): Promise<void>;
}

/**
 * Starts a service entry point (e.g. subgraphs/payments/src/index.ts) in its own process, as the launcher and a
 * container do, and waits until it listens. Its JSON log lines are kept for the test to read.
 */
export async function startServiceProcess(entry: string, env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['-r', './scripts/register.js', entry], {
    cwd: root,
    // Info level at least: readiness is read from the "listening" line.
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} not up within 30 s:\n${output}`)), 30_000);
    const poll = setInterval(() => {
      const listening = /"url":"(http:\/\/[^"]+)"[^\n]*listening/.exec(output);
      if (listening || child.exitCode !== null) {
        clearInterval(poll);
        clearTimeout(timer);
        if (listening) resolve(listening[1]);
        else reject(new Error(`${entry} exited:\n${output}`));
      }
    }, 50);
  });
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return { child, url, output: () => output, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}

/**
 * Stops a child process with `signal` and waits for it to exit; one that has not exited 10 s later is killed (a
 * graceful shutdown that hangs must not hang the test). Nothing to do when it has exited already.
 */
export async function stopChild(child: ChildProcess | null, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
  child.kill(signal);
  await exited;
  clearTimeout(force);
}
