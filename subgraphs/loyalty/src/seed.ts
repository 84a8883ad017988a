import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DEMO } from '@pos/kit';
import { LoyaltyCustomer } from './modules/customer/customer.entity';
import { LoyaltyOrg, VerificationPreset } from './modules/org/org.entity';

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

const ORGS = [
  { key: 'demo-loyalty-standard', preset: VerificationPreset.STANDARD, prefix: '4821', active: true },
  { key: 'demo-loyalty-balanced', preset: VerificationPreset.BALANCED, prefix: '5821', active: true },
  { key: 'demo-loyalty-strict', preset: VerificationPreset.STRICT, prefix: '6821', active: true },
  { key: 'demo-loyalty-lapsed', preset: VerificationPreset.STANDARD, prefix: '7821', active: false },
];

/**
 * Loyalty orgs of partner demo with presets standard, balanced and strict, and one whose subscription lapsed;
 * customers <prefix>93 (500 points), <prefix>94 (4 stamps), <prefix>95 (empty); the lapsed org has only 782193.
 */
export async function seedDemo(em: EntityManager): Promise<void> {
  if ((await em.count(LoyaltyOrg, {})) > 0) return;
  await em.transactional(async (tx) => {
    for (const spec of ORGS) {
      const org = new LoyaltyOrg();
      Object.assign(org, {
        tenantId: DEMO.tenants.demo,
        name: `Demo ${spec.key.replace('demo-loyalty-', '')} rewards`,
        preset: spec.preset,
        apiKeyHash: hashApiKey(spec.key),
        subscriptionActive: spec.active,
      });
      tx.persist(org);
      const balances = spec.active
        ? [
            { points: 500, stamps: 0 },
            { points: 0, stamps: 4 },
            { points: 0, stamps: 0 },
          ]
        : [{ points: 500, stamps: 0 }];
      balances.forEach((balance, i) => {
        const customer = new LoyaltyCustomer();
        Object.assign(customer, { org, code: `${spec.prefix}${93 + i}`, ...balance });
        tx.persist(customer);
      });
    }
  });
}
