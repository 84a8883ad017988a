/**
 * The ports of `pnpm start`, in one place for every script that needs them (the launcher, `pnpm watch:payments`):
 * the five services on POS_PORT_BASE (4000) and the four ports after it, the embedded PostgreSQL on POS_PG_PORT
 * (54329). And the check the launcher runs before it starts anything: which of them is taken, and by whom.
 */
import fs from 'node:fs';
import net from 'node:net';

export const DEFAULT_PORT_BASE = 4000;
export const DEFAULT_PG_PORT = 54329;

/** The services in port order: the gateway on the base port, the subgraphs on the next four. */
export const SERVICE_NAMES = ['gateway', 'orders', 'checks', 'payments', 'loyalty'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface LauncherPorts {
  base: number;
  services: Record<ServiceName, number>;
  /** The embedded PostgreSQL's port; null when DATABASE_URL names a database and none is started. */
  postgres: number | null;
}

function portSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, max = 65535): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > max) {
    throw new Error(`${name} must be a port number from 1 to ${max}, not ${JSON.stringify(raw)}`);
  }
  return port;
}

/** Each service's port when the first is `base`. */
export const servicePorts = (base: number): LauncherPorts['services'] =>
  Object.fromEntries(SERVICE_NAMES.map((name, i) => [name, base + i])) as LauncherPorts['services'];

/** The ports `pnpm start` uses with these settings; throws on a setting that is not a port number. */
export function launcherPorts(env: NodeJS.ProcessEnv = process.env): LauncherPorts {
  const base = portSetting(env, 'POS_PORT_BASE', DEFAULT_PORT_BASE, 65535 - (SERVICE_NAMES.length - 1));
  const postgres = env.DATABASE_URL ? null : portSetting(env, 'POS_PG_PORT', DEFAULT_PG_PORT);
  return { base, services: servicePorts(base), postgres };
}

/** Why nothing can listen on `port` at `host` (EADDRINUSE, EACCES, ...), or null when something can: we just did. */
export function listenError(port: number, host: string): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    server.listen(port, host, () => server.close(() => resolve(null)));
  });
}

const POSTGRES = 'embedded PostgreSQL';

export interface BusyPort {
  port: number;
  /** Who wanted it: a service's name, or "embedded PostgreSQL". */
  owner: string;
  /** The error listening there gave: EADDRINUSE when another process has it. */
  code: string;
}

/**
 * The launcher's ports that cannot be listened on, each checked at the address its owner binds: the services at
 * HOST (0.0.0.0 by default, as kit's config), PostgreSQL at 127.0.0.1.
 */
export async function busyPorts(ports: LauncherPorts, env: NodeJS.ProcessEnv = process.env): Promise<BusyPort[]> {
  const wanted = [
    ...SERVICE_NAMES.map((name) => ({ port: ports.services[name], owner: name, host: env.HOST || '0.0.0.0' })),
    ...(ports.postgres === null ? [] : [{ port: ports.postgres, owner: POSTGRES, host: '127.0.0.1' }]),
  ];
  const errors = await Promise.all(wanted.map((w) => listenError(w.port, w.host)));
  return wanted.flatMap((w, i) =>
    errors[i] ? [{ port: w.port, owner: w.owner, code: errors[i].code ?? 'error' }] : [],
  );
}

/**
 * The process listening on TCP `port`, as "pid 123 (its command line)", read from /proc (Linux): the socket's inode
 * in /proc/net/tcp{,6}, then the process with a descriptor on it. Null when that cannot be told (not Linux, or a
 * process this user may not look into).
 */
export function portHolder(port: number): string | null {
  try {
    const inodes = new Set<string>();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      if (!fs.existsSync(table)) continue;
      for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
        // sl local_address(hex addr:hex port) rem_address st(0A = LISTEN) tx:rx tr:when retrnsmt uid timeout inode
        const fields = line.trim().split(/\s+/);
        if (fields[3] === '0A' && parseInt(fields[1]?.split(':')[1] ?? '', 16) === port) inodes.add(fields[9]);
      }
    }
    if (!inodes.size) return null;
    for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      let fds: string[];
      try {
        fds = fs.readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue; // gone, or not ours to look into
      }
      const holds = fds.some((fd) => {
        try {
          return inodes.has(/^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? '');
        } catch {
          return false;
        }
      });
      if (holds) {
        const command = fs
          .readFileSync(`/proc/${pid}/cmdline`, 'utf8')
          .replace(/[\0\s]+/g, ' ')
          .trim();
        return `pid ${pid} (${command.length > 100 ? `${command.slice(0, 99)}…` : command || 'unknown command'})`;
      }
    }
  } catch {
    // No /proc, or not readable: the caller says how to find out instead.
  }
  return null;
}

/**
 * The first port of `count` consecutive ones all free at `host`, trying `from`, `from + step`, ... `tries` times;
 * null if none was.
 */
export async function freeRun(
  from: number,
  count: number,
  step: number,
  host: string,
  tries = 20,
): Promise<number | null> {
  for (let start = from; start + count - 1 <= 65535 && start < from + tries * step; start += step) {
    const errors = await Promise.all(Array.from({ length: count }, (_, i) => listenError(start + i, host)));
    if (errors.every((e) => e === null)) return start;
  }
  return null;
}

/** What the launcher prints when ports are taken: which, whose, held by what, and how to move them. */
export async function busyPortsMessage(
  ports: LauncherPorts,
  busy: BusyPort[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const lines = busy.map(({ port, owner, code }) => {
    if (code !== 'EADDRINUSE') return `  port ${port} (${owner}) cannot be listened on: ${code}`;
    const holder = portHolder(port);
    return holder
      ? `  port ${port} (${owner}) is in use by ${holder}`
      : `  port ${port} (${owner}) is in use by another process (\`ss -ltnp 'sport = :${port}'\` shows which)`;
  });
  // Settings that move the taken ports to free ones (checked just now), as a command to paste.
  const moves: string[] = [];
  const explain: string[] = [];
  if (busy.some((b) => b.owner !== POSTGRES)) {
    const base = await freeRun(ports.base + 100, SERVICE_NAMES.length, 100, env.HOST || '0.0.0.0');
    moves.push(`POS_PORT_BASE=${base ?? '<port>'}`);
    explain.push('POS_PORT_BASE moves the five services to that port and the four after it');
  }
  if (ports.postgres !== null && busy.some((b) => b.owner === POSTGRES)) {
    moves.push(`POS_PG_PORT=${(await freeRun(ports.postgres + 1, 1, 1, '127.0.0.1')) ?? '<port>'}`);
    explain.push('POS_PG_PORT moves the embedded PostgreSQL');
  }
  return [
    `Cannot start: ${busy.length === 1 ? 'a port it needs is' : 'ports it needs are'} taken.`,
    ...lines,
    `Nothing was started. Stop what holds ${busy.length === 1 ? 'it' : 'them'}, or move the ports:`,
    `  ${moves.join(' ')} pnpm start`,
    `(${explain.join('; ')}.)`,
  ].join('\n');
}
