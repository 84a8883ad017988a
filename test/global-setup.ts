import { randomBytes } from 'node:crypto';
// The module itself, not the package index: the index loads MikroORM entities, whose decorators would register
// them in this outer realm's global metadata, which jest's test realms then trip over when run in band.
import { startEmbeddedPostgres } from '@pos/kit/embedded-pg';
import { ensureWebBuild } from '../scripts/web-build';

/**
 * One embedded PostgreSQL for the whole run; every test file creates its own database in it. Meanwhile apps/web is
 * built when its sources changed (a fresh clone, CI), so the gateways the tests start serve the GraphiQL page.
 */
export default async function globalSetup(): Promise<void> {
  // Names what this run creates in a cluster that may outlive it (test/support/stack.ts' template database).
  process.env.POS_TEST_RUN_ID ??= randomBytes(4).toString('hex');
  const web = ensureWebBuild();
  web.catch(() => undefined); // awaited below; not an unhandled rejection while PostgreSQL starts
  if (process.env.POS_TEST_ADMIN_URL) {
    await web; // an external cluster was given
    return;
  }
  const pg = await startEmbeddedPostgres();
  try {
    await web;
  } catch (error) {
    await pg.stop();
    throw error;
  }
  (globalThis as { __POS_PG__?: unknown }).__POS_PG__ = pg;
  process.env.POS_TEST_ADMIN_URL = pg.url('postgres');
}
