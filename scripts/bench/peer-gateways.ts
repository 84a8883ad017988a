/**
 * The peer gateways of the peer part: `hive-gateway supergraph <file>` (@graphql-hive/gateway's CLI, one process
 * each, default options) twice: as it comes, which shares identical subgraph requests in flight ("hive"), and with
 * that off (`deduplicateInflightRequests: false`, "hive no-coalescing"). The file is schema/supergraph.graphql with
 * the join__graph URLs pointed at the bench's subgraphs. The subgraphs only answer a request with a signed
 * x-pos-context, so each peer sends a static one (the demo partner's, signed with the bench's INTERNAL_JWT_SECRET)
 * with every subgraph request. The peers check nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { INTERNAL_CONTEXT_HEADER } from '@pos/kit';
import { MALLOC_ENV, ROOT, stopAll, waitUntilReady } from '../launcher';
import { HOST } from './settings';
import type { System } from './system';

export interface Peer {
  name: string;
  url: string;
  pid: number;
  child: ChildProcess;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts Hive Gateway twice (as it comes, and with in-flight de-duplication off) on the committed supergraph with
 * the bench's subgraph URLs, each sending `contextToken` (the demo partner's signed context) to the subgraphs.
 */
export async function startPeers(sys: System, contextToken: string): Promise<Peer[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-bench-peer-'));
  const sdl = sys.supergraphSdl.replace(
    /(@join__graph\(name: "(\w+)", url: ")[^"]*(")/g,
    (_match, head: string, name: string, tail: string) => {
      const url = sys.urls[`${name.toUpperCase()}_URL`];
      if (!url) throw new Error(`no URL for subgraph ${name}`);
      return `${head}${url}${tail}`;
    },
  );
  const supergraphFile = path.join(dir, 'supergraph.graphql');
  fs.writeFileSync(supergraphFile, sdl);
  const bin = path.join(
    path.dirname(createRequire(path.join(ROOT, 'package.json')).resolve('@graphql-hive/gateway/package.json')),
    'dist/bin.js',
  );
  const variants = [
    { name: 'hive', options: '' },
    {
      name: 'hive no-coalescing',
      options: `transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } },`,
    },
  ];
  const peers: Peer[] = [];
  for (const [i, variant] of variants.entries()) {
    const config = path.join(dir, `gateway-${i}.config.mjs`);
    fs.writeFileSync(
      config,
      `export const gatewayConfig = {\n` +
        `  propagateHeaders: { fromClientToSubgraphs: () => ({ ${JSON.stringify(INTERNAL_CONTEXT_HEADER)}: ${JSON.stringify(contextToken)} }) },\n` +
        `  ${variant.options}\n};\n`,
    );
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [bin, 'supergraph', supergraphFile, '--host', HOST, '--port', String(port), '--config-path', config],
      {
        cwd: dir,
        env: {
          ...MALLOC_ENV,
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_ENV: sys.env.NODE_ENV,
          LOG_LEVEL: sys.env.LOG_LEVEL,
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    child.once('exit', (code, signal) => sys.onExit(`${variant.name} exited (${signal ?? `code ${code}`})`));
    sys.children.push(child);
    peers.push({ name: variant.name, url: `http://${HOST}:${port}`, pid: child.pid!, child });
  }
  await Promise.all(
    peers.map((peer, i) =>
      waitUntilReady(`${peer.url}/readiness`, 60_000, () => sys.children.at(-variants.length + i)!.exitCode === null),
    ),
  );
  return peers;
}

/** Stops the peers (no longer a crash if they exit), so that they take no memory or CPU from the parts after. */
export async function stopPeers(sys: System, peers: Peer[]): Promise<void> {
  for (const peer of peers) {
    peer.child.removeAllListeners('exit');
    sys.children.splice(sys.children.indexOf(peer.child), 1);
  }
  await stopAll(peers.map((peer) => peer.child));
}
