// The module itself, not the package index: the index loads MikroORM entities, whose decorators would register
// them in this outer realm's global metadata, which jest's test realms then trip over when run in band.
import { startEmbeddedPostgres } from '@pos/kit/src/embedded-pg';

/** One embedded PostgreSQL for the whole run; every test file creates its own database in it. */
export default async function globalSetup(): Promise<void> {
  if (process.env.POS_TEST_ADMIN_URL) return; // an external cluster was given
  const pg = await startEmbeddedPostgres();
  (globalThis as { __POS_PG__?: unknown }).__POS_PG__ = pg;
  process.env.POS_TEST_ADMIN_URL = pg.url('postgres');
}
