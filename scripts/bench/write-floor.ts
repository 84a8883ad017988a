/**
 * The floor under the subscriber fan-out, measured in the same run: what the kernel alone charges the writing
 * process for one small write to a loopback TCP socket. A child process (this file, forked) accepts `count`
 * connections from this process (the reader, as the bench's subscribers are) and writes `bytes` bytes to each of
 * them, a round at a time, with plain `net` sockets: no WebSocket framing, no GraphQL, no serialisation. Its CPU per
 * write (user + system) is what any server pays per delivery on this machine before doing anything of its own (on
 * loopback the writer's system call also runs the receiving side's TCP processing), so one event to N subscribers
 * costs at least N times that of one core.
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { inBatches, percentile } from './load';

export interface WriteFloor {
  sockets: number;
  bytes: number;
  rounds: number;
  /** CPU (user + system) of the writing process per write, µs: the median over the rounds. */
  cpuUsPerWrite: number;
  /** Wall time of one round (one write to every socket), ms: the median over the rounds. */
  roundMs: number;
}

const ROUNDS = 7;
const ROUND_PAUSE_MS = 300;

type Report = { cpuUs: number[]; wallMs: number[] };

/** Measures the floor with `count` sockets and writes of `bytes` bytes. */
export async function writeFloor(count: number, bytes: number): Promise<WriteFloor> {
  const child = fork(__filename, ['writer', String(bytes)], {
    execArgv: ['-r', path.join(__dirname, '..', 'register.js')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const sockets: net.Socket[] = [];
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m: { port: number }) => resolve(m.port));
      child.once('exit', (code) => reject(new Error(`the write-floor writer exited (${code})`)));
    });
    await inBatches(count, 100, async () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      sockets.push(socket);
    });
    const report = await new Promise<Report>((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`the write-floor writer exited (${code})`)));
      child.send({ start: count });
    });
    const median = (values: number[]) =>
      percentile(
        [...values].sort((a, b) => a - b),
        0.5,
      );
    return {
      sockets: count,
      bytes,
      rounds: ROUNDS,
      cpuUsPerWrite: median(report.cpuUs) / count,
      roundMs: median(report.wallMs),
    };
  } finally {
    for (const socket of sockets) socket.destroy();
    child.kill();
  }
}

/** The writer (in the forked child): accepts the sockets, then writes a round to all of them ROUNDS times. */
function writer(bytes: number): void {
  const accepted: net.Socket[] = [];
  const server = net.createServer((socket) => {
    // As ws sets it on every WebSocket: each write goes out at once.
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    accepted.push(socket);
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as net.AddressInfo).port }));
  const message = Buffer.alloc(bytes, 'x');
  // Sockets still being accepted are waited for; then the rounds, and the report to the parent.
  const rounds = async (start: number) => {
    while (accepted.length < start) await new Promise((resolve) => setTimeout(resolve, 20));
    const report: Report = { cpuUs: [], wallMs: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const cpu = process.cpuUsage();
      const began = performance.now();
      for (const socket of accepted) socket.write(message);
      report.wallMs.push(performance.now() - began);
      const used = process.cpuUsage(cpu);
      report.cpuUs.push(used.user + used.system);
      // Lets the reader drain before the next round, as events a few hundred ms apart do.
      await new Promise((resolve) => setTimeout(resolve, ROUND_PAUSE_MS));
    }
    process.send!(report);
  };
  process.on('message', ({ start }: { start: number }) => void rounds(start));
}

if (require.main === module && process.argv[2] === 'writer') writer(Number(process.argv[3]));
