import type { EntityManager } from '@mikro-orm/postgresql';
import { DEMO } from '@pos/kit';
import { hashSecret } from '../auth/secrets';
import { ALL_SCOPES } from '@pos/kit';
import { ApiClient, Partner } from './identity.entities';

/** Demo partners and their M2M clients (DESIGN §5), on an empty identity schema only. */
export async function seedIdentity(em: EntityManager): Promise<void> {
  if ((await em.count(Partner, {})) > 0) return;
  const clients = [
    { partner: DEMO.tenants.demo, name: 'Demo Partner', clientId: 'demo-partner', secret: 'demo-secret' },
    { partner: DEMO.tenants.other, name: 'Other Partner', clientId: 'other-partner', secret: 'other-secret' },
  ];
  await em.transactional(async (tx) => {
    for (const spec of clients) {
      const partner = new Partner();
      Object.assign(partner, { id: spec.partner, name: spec.name });
      const client = new ApiClient();
      Object.assign(client, {
        clientId: spec.clientId,
        partner,
        secretHash: await hashSecret(spec.secret),
        allowedScopes: ALL_SCOPES.join(' '),
      });
      tx.persist([partner, client]);
    }
  });
}
