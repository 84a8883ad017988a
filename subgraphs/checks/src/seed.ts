import type { EntityManager } from '@mikro-orm/postgresql';
import { DEMO } from '@pos/kit';
import { Check, CheckItem, CheckTax } from './modules/check/check.entity';
import { CheckTaxKind } from './modules/check/check.totals';

const MENU = [
  { posRef: 'ITEM-BURGER', name: 'Cheeseburger', price: 1450, modifiersAsText: 'no onions' },
  { posRef: 'ITEM-FRIES', name: 'Fries', price: 450, modifiersAsText: null },
  { posRef: 'ITEM-SODA', name: 'Soda', price: 295, modifiersAsText: 'diet' },
  { posRef: 'ITEM-SALAD', name: 'Caesar Salad', price: 1125, modifiersAsText: null },
];

/**
 * Three open, unpaid, unlocked checks at every demo location, plus one locked check at each.
 * posRefs are "<location>-<n>" (1-101, 1-102, ...), order numbers "<location><n>". Each check carries an 8 % sales
 * tax on its subtotal.
 */
export async function seedDemo(em: EntityManager): Promise<void> {
  if ((await em.count(Check, {})) > 0) return;
  await em.transactional(async (tx) => {
    for (const location of DEMO.locations) {
      for (let n = 1; n <= 4; n++) {
        const check = new Check();
        Object.assign(check, {
          tenantId: location.tenantId,
          locationId: location.id,
          posRef: `${location.id}-${100 + n}`,
          orderNumber: `${location.id}${100 + n}`,
          tableName: `T${n}`,
          guestCount: n,
          ownedByEmployeeRef: `EMP-${location.id}0${n}`,
          ownedByEmployee: ['Alex Doe', 'Sam Lee', 'Jo Park', 'Kim Ruiz'][n - 1],
          isLocked: n === 4,
        });
        MENU.slice(0, n).forEach((menuItem, position) => {
          const item = new CheckItem();
          Object.assign(item, { ...menuItem, position, quantity: 1, check });
          check.items.add(item);
        });
        const tax = new CheckTax();
        Object.assign(tax, { check, position: 0, name: 'Sales tax', kind: CheckTaxKind.STANDARD, rateBps: 800 });
        check.appliedTaxes.add(tax);
        tx.persist(check);
      }
    }
  });
}
