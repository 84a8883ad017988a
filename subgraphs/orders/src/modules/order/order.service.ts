import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  callerScope,
  type Principal,
  SCOPES,
  amountProblems,
  badInput,
  conflict,
  currencyProblems,
  entitySnapshot,
  mayActAtLocation,
  notFound,
  runIdempotent,
  parseIntIdArg,
  requireScope,
  restoreEntity,
  textProblems,
} from '@pos/kit';
import { Location } from '../location/location.entity';
import { Order } from './order.entity';
import type { CreateOrderInput } from './order.inputs';
import { LEVEL3_LIMITS, normaliseLevel3 } from './order.level3';

/** What an idempotent createOrder stores to replay: the order as it was returned. */
const orderCodec = {
  id: (order: Order) => order.id,
  snapshot: (order: Order) => entitySnapshot(order),
  restore: (snapshot: unknown) => restoreEntity(() => new Order(), snapshot, ['createdAt', 'updatedAt']),
};

/** Orders of the caller's tenant, and of the locations a POS user's roles allow. */
export class OrderService {
  constructor(private readonly em: EntityManager) {}

  byIds(principal: Principal, ids: readonly string[]): Promise<Order[]> {
    return this.em.find(Order, { id: { $in: [...ids] }, ...callerScope(principal) });
  }

  byLocations(principal: Principal, locationIds: readonly number[]): Promise<Order[]> {
    return this.em.find(
      Order,
      { ...callerScope(principal), locationId: { $in: locationIds.filter((id) => mayActAtLocation(principal, id)) } },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
  }

  /** The order a partner knows by its own system's id (external_source + external_id), or null. */
  byExternalId(principal: Principal, externalSource: string, externalId: string): Promise<Order | null> {
    return this.em.findOne(Order, { externalSource, externalId, ...callerScope(principal) });
  }

  /**
   * Opens an order at one of the caller's locations. With an idempotency key, a repeated request returns the
   * first result instead of opening a second order.
   */
  async create(
    principal: Principal,
    input: CreateOrderInput,
    idempotencyKey?: string | null,
  ): Promise<{ order: Order; replayed: boolean }> {
    requireScope(principal, SCOPES.posOrders);
    const locationId = parseIntIdArg(input.locationId, 'locationId');
    const problems = [
      ...currencyProblems(input.currency),
      ...amountProblems(input.totalCents, 'totalCents'),
      ...textProblems(input.externalReference, 'externalReference', LEVEL3_LIMITS.customerReference),
      ...textProblems(input.externalSource, 'externalSource', 64),
      ...textProblems(input.externalId, 'externalId', 128),
    ];
    if ((input.externalSource == null) !== (input.externalId == null)) {
      problems.push('externalSource, externalId: give both or neither');
    }
    const level3 = input.level3 ? normaliseLevel3(input.level3, input.totalCents) : null;
    if (level3) problems.push(...level3.problems);
    if (problems.length) throw badInput('Invalid order', problems);

    const { result, replayed } = await runIdempotent(
      this.em,
      principal,
      { key: idempotencyKey, operation: 'createOrder', input: { ...input, locationId } },
      async (tx) => {
        const location = mayActAtLocation(principal, locationId)
          ? await tx.findOne(Location, { id: locationId, tenantId: principal.tenantId })
          : null;
        if (!location) throw notFound('Location');
        const [{ n }] = await tx.execute<{ n: string }[]>(`select nextval('orders.order_number_seq') as n`);
        const order = new Order();
        Object.assign(order, {
          tenantId: principal.tenantId,
          locationId,
          number: String(n),
          currency: input.currency,
          totalCents: input.totalCents,
          externalReference: input.externalReference ?? null,
          externalSource: input.externalSource ?? null,
          externalId: input.externalId ?? null,
          level3: level3?.data ?? null,
          openedByM2mClientId: principal.kind === 'm2m' ? principal.clientId : null,
          openedByUserId: principal.kind === 'user' ? principal.subject : null,
        });
        tx.persist(order);
        try {
          await tx.flush();
        } catch (error) {
          if (error instanceof UniqueConstraintViolationException) {
            throw conflict('duplicate_external_id', 'An order with this externalSource and externalId already exists', [
              `externalSource "${input.externalSource}", externalId "${input.externalId}"`,
            ]);
          }
          throw error;
        }
        return order;
      },
      orderCodec,
    );
    return { order: result, replayed };
  }
}
