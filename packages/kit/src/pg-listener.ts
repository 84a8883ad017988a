import { Client } from 'pg';
import type { Logger } from './logger';

export interface PgListenerOptions {
  databaseUrl: string;
  /** The NOTIFY channel (a plain identifier: it is written into the LISTEN statement). */
  channel: string;
  logger: Logger;
  /** Each notification's payload (empty string when none was given). */
  onNotification(payload: string): void;
  /**
   * Listening again after the connection dropped: whatever was notified meanwhile was lost, so the owner reads again
   * what it may have missed.
   */
  onReconnected(): void;
}

/**
 * One LISTEN connection to PostgreSQL that keeps itself listening: when the connection drops (PostgreSQL restarts, a
 * network cut) it connects again a second later, and keeps trying every second until it can, then tells its owner,
 * which must assume it missed notifications meanwhile. Used by the subgraphs' event hubs (payments' outbox,
 * loyalty's PIN challenges): a notification there only says "something committed, read it", so nothing depends on
 * one arriving.
 */
export class PgListener {
  private client: Client | null = null;
  private closed = false;

  constructor(private readonly options: PgListenerOptions) {}

  /** Listens; rejects when the first connection fails (the service should not start without its notifications). */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const { databaseUrl, channel, logger } = this.options;
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
    const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
    client.on('notification', (message) => this.options.onNotification(message.payload ?? ''));
    client.on('error', (error) => {
      // Only a client that was listening reconnects: one that failed to connect is retried by reconnect() below.
      if (this.client !== client) return;
      logger.error({ err: error, channel }, 'notification listener lost its connection; reconnecting');
      this.client = null;
      void client.end().catch(() => undefined);
      this.reconnect();
    });
    try {
      await client.connect();
      await client.query(`listen ${channel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    // Closed while connecting: this client must not outlive its owner.
    if (this.closed) await client.end().catch(() => undefined);
    else this.client = client;
  }

  private reconnect(): void {
    if (this.closed) return;
    setTimeout(() => {
      if (this.closed) return;
      this.connect().then(
        () => {
          this.options.logger.info({ channel: this.options.channel }, 'notification listener reconnected');
          this.options.onReconnected();
        },
        (error: unknown) => {
          this.options.logger.warn(
            { err: error, channel: this.options.channel },
            'notification listener could not reconnect yet; retrying',
          );
          this.reconnect();
        },
      );
    }, 1000).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
