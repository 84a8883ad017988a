/**
 * Helpers for the tests of every service. The jest global setup starts one embedded PostgreSQL and exports its
 * admin URL as POS_TEST_ADMIN_URL; each test file takes a database of its own from it, so no state is shared.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createDatabaseIfMissing } from './embedded-pg';
import type { Logger } from './logger';

let counter = 0;

/** A new, empty database in the test cluster; returns its URL. */
export async function createTestDatabase(): Promise<string> {
  const admin = process.env.POS_TEST_ADMIN_URL;
  if (!admin) throw new Error('POS_TEST_ADMIN_URL is not set: run the tests through jest (test/global-setup.ts)');
  const name = `t${process.env.JEST_WORKER_ID ?? '0'}_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;
  await createDatabaseIfMissing(admin, name);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

export const TEST_INTERNAL_SECRET = 'test-internal-secret-0123456789abcdef0123';

/** A logger that keeps its JSON lines in memory, for tests that assert on logs. */
export function memoryLogger(name: string): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return {
    logger: pino({ name, level: 'info', base: { service: name } }, stream),
    lines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** A GraphQL response body as tests read it: data is loosely typed on purpose. */
export interface GraphQLBody {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/** POSTs a GraphQL operation and returns the parsed body and the status. */
export async function postGraphQL(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; body: GraphQLBody; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = { errors: [{ message: text }] };
  }
  return { status: response.status, body, headers: response.headers };
}
