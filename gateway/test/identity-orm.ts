import type { MikroORM } from '@mikro-orm/postgresql';
import { createOrm } from '@pos/kit';
import { createTestDatabase } from '@pos/testing';
import { gatewayOrm } from '../src/identity/orm';

/** The gateway's identity schema on a database of the test file's own, not yet migrated (a test may stop midway). */
export async function identityTestOrm(): Promise<MikroORM> {
  return createOrm({
    databaseUrl: await createTestDatabase(),
    schema: gatewayOrm.pgSchema,
    entities: gatewayOrm.entities,
    migrations: gatewayOrm.migrations,
  });
}
