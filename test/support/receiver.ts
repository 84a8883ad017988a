import { type IncomingHttpHeaders, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '@pos/payments/src/modules/webhook/webhook.signature';

export interface Received {
  headers: IncomingHttpHeaders;
  rawBody: string;
  at: number;
}

/**
 * How the receiver answers its n-th request (0-based): a status (and headers), after `delayMs` and once `after` has
 * settled, or 'hang' to never answer.
 */
export type Answer =
  { status: number; headers?: Record<string, string>; delayMs?: number; after?: Promise<unknown> } | 'hang';

/**
 * A partner's webhook receiver on port 0: it records every request with its exact raw body, and answers as the
 * test says. Hanging requests are released when the receiver closes.
 */
export class Receiver {
  readonly received: Received[] = [];
  /** The most requests that were open at once. */
  maxConcurrent = 0;
  private open = 0;
  private server: Server;
  private hanging = new Set<ServerResponse>();
  answer: (index: number, request: Received) => Answer = () => ({ status: 200 });

  constructor() {
    this.server = createServer((req, res) => {
      this.maxConcurrent = Math.max(this.maxConcurrent, ++this.open);
      res.on('close', () => this.open--);
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = { headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
        const index = this.received.push(request) - 1;
        const answer = this.answer(index, request);
        if (answer === 'hang') {
          this.hanging.add(res);
          res.on('close', () => this.hanging.delete(res));
          return;
        }
        const respond = () => res.writeHead(answer.status, answer.headers ?? {}).end('ok');
        const delayed = () => (answer.delayMs ? setTimeout(respond, answer.delayMs) : respond());
        if (answer.after) void answer.after.then(delayed, delayed);
        else delayed();
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  /** Requests of one event id, in arrival order. */
  of(eventId: string): Received[] {
    return this.received.filter((r) => r.headers['x-tilt-event-id'] === eventId);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Whether a received delivery carries a valid signature of `secret`, as a partner's receiver checks it. */
export const signedBy = (secret: string, r: Pick<Received, 'headers' | 'rawBody'>) =>
  verifySignature({
    secret,
    header: r.headers['x-tilt-signature'] as string,
    eventId: r.headers['x-tilt-event-id'] as string,
    timestamp: r.headers['x-tilt-timestamp'] as string,
    rawBody: r.rawBody,
  });
