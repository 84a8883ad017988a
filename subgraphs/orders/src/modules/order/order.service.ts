import type { EntityManager } from '@mikro-orm/postgresql';
import { type Principal, SCOPES, badInput, notFound, parseIntIdArg, requireScope } from '@pos/kit';
import { Location } from '../location/location.entity';
import { Order } from './order.entity';
import type { CreateOrderInput } from './order.inputs';

const CURRENCY = /^[A-Z]{3}$/;
const MAX_CENTS = 2_000_000_000;

/** Orders of the caller's tenant. */
export class OrderService {
  constructor(private readonly em: EntityManager) {}

  byIds(principal: Principal, ids: readonly string[]): Promise<Order[]> {
    return this.em.find(Order, { id: { $in: [...ids] }, tenantId: principal.tenantId });
  }

  byLocations(principal: Principal, locationIds: readonly number[]): Promise<Order[]> {
    return this.em.find(
      Order,
      { locationId: { $in: [...locationIds] }, tenantId: principal.tenantId },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
  }

  /** Opens an order at one of the caller's locations. */
  async create(principal: Principal, input: CreateOrderInput): Promise<Order> {
    requireScope(principal, SCOPES.posOrders);
    const locationId = parseIntIdArg(input.locationId, 'locationId');
    const problems: string[] = [];
    if (!CURRENCY.test(input.currency)) problems.push('currency: must be an ISO 4217 code such as USD');
    if (!Number.isSafeInteger(input.totalCents) || input.totalCents < 0 || input.totalCents > MAX_CENTS) {
      problems.push(`totalCents: must be an integer between 0 and ${MAX_CENTS}`);
    }
    if (input.externalReference != null && input.externalReference.length > 128) {
      problems.push('externalReference: at most 128 characters');
    }
    if (problems.length) throw badInput('Invalid order', problems);

    const location = await this.em.findOne(Location, { id: locationId, tenantId: principal.tenantId });
    if (!location) throw notFound('Location');
    const [{ n }] = await this.em
      .getConnection()
      .execute<{ n: string }[]>(`select nextval('orders.order_number_seq') as n`);
    const order = new Order();
    Object.assign(order, {
      tenantId: principal.tenantId,
      locationId,
      number: String(n),
      currency: input.currency,
      totalCents: input.totalCents,
      externalReference: input.externalReference ?? null,
      openedByM2mClientId: principal.kind === 'm2m' ? principal.clientId : null,
    });
    await this.em.persistAndFlush(order);
    return order;
  }
}
