import type { EntityManager } from '@mikro-orm/postgresql';
import { DEMO } from '@pos/kit';
import { Location } from './modules/location/location.entity';

/** Demo locations 1 and 2 (partner demo) and 3 (partner other), on an empty schema only. */
export async function seedDemo(em: EntityManager): Promise<void> {
  if ((await em.count(Location, {})) > 0) return;
  await em.transactional(async (tx) => {
    for (const demo of DEMO.locations) {
      const location = new Location();
      Object.assign(location, { id: demo.id, tenantId: demo.tenantId, name: demo.name, timezone: demo.timezone });
      tx.persist(location);
    }
    await tx.flush();
    // Explicit ids do not advance the serial: move it past them so new locations do not collide.
    await tx
      .getConnection()
      .execute(`select setval(pg_get_serial_sequence('orders.location', 'id'), (select max(id) from orders.location))`);
  });
}
