import net from 'node:net';

export interface CuttableProxy {
  /** The local port that forwards to the target. */
  port: number;
  /**
   * Takes the target away: every forwarded connection is reset, and so is every new one until {@link restore}, as a
   * client sees a server that went away (ECONNRESET, "Connection terminated unexpectedly").
   */
  cut(): void;
  /** Forwards new connections again. */
  restore(): void;
  close(): Promise<void>;
}

/**
 * A TCP forwarder to `target` on 127.0.0.1, port 0, that a test can cut and restore: a real server (PostgreSQL)
 * unreachable for one client only, at once, without stopping the server the rest of the stack uses.
 */
export async function cuttableProxy(target: { host: string; port: number }): Promise<CuttableProxy> {
  const open = new Set<net.Socket>();
  let cut = false;
  const server = net.createServer((client) => {
    client.on('error', () => undefined);
    if (cut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    upstream.on('error', () => undefined);
    // Either side closing (or failing) ends both, as one connection would.
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => {
        open.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => {
      cut = true;
      for (const socket of open) socket.resetAndDestroy();
    },
    restore: () => {
      cut = false;
    },
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
