import type { EntityManager } from '@mikro-orm/postgresql';
import { DEMO, demoLoyaltyCodes, demoLoyaltyCustomerId } from '@pos/kit';
import { LoyaltyCustomer } from './modules/customer/customer.entity';
import { LoyaltyTransaction, LoyaltyTransactionKind, LoyaltyUnit } from './modules/ledger/ledger.entity';
import { LoyaltyOrg, VerificationPreset } from './modules/org/org.entity';

const OPENING = [
  { points: 500, stamps: 0 },
  { points: 0, stamps: 4 },
  { points: 0, stamps: 0 },
];

/**
 * The demo loyalty orgs of partner demo (kit DEMO.loyaltyOrgs): presets standard, balanced and strict,
 * and a standard one whose subscription lapsed. Each customer's opening balance is an EARN in the ledger, so that
 * the ledger always sums to the balances. Their keys are the gateway's to seed.
 */
export async function seedDemo(em: EntityManager): Promise<void> {
  if ((await em.count(LoyaltyOrg, {})) > 0) return;
  await em.transactional(async (tx) => {
    for (const spec of DEMO.loyaltyOrgs) {
      const org = new LoyaltyOrg();
      const lapsed = spec.apiKey === 'demo-loyalty-lapsed';
      Object.assign(org, {
        id: spec.id,
        tenantId: DEMO.tenants.demo,
        name: `Demo ${spec.apiKey.replace('demo-loyalty-', '')} rewards`,
        preset: spec.preset.toUpperCase() as VerificationPreset,
        subscriptionActive: !lapsed,
      });
      tx.persist(org);
      demoLoyaltyCodes(spec).forEach((code, i) => {
        const customer = new LoyaltyCustomer();
        Object.assign(customer, { id: demoLoyaltyCustomerId(code), org, code, ...OPENING[i] });
        tx.persist(customer);
        for (const unit of [LoyaltyUnit.POINT, LoyaltyUnit.STAMP]) {
          const delta = unit === LoyaltyUnit.POINT ? OPENING[i].points : OPENING[i].stamps;
          if (!delta) continue;
          const row = new LoyaltyTransaction();
          Object.assign(row, {
            org,
            customer,
            kind: LoyaltyTransactionKind.EARN,
            unit,
            delta,
            balanceAfter: delta,
            externalId: `demo-opening-${unit.toLowerCase()}s-${code}`,
          });
          tx.persist(row);
        }
      });
    }
  });
}
