import { randomUUID } from 'node:crypto';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type ConnectionArgs,
  type ConnectionPage,
  type PageRequest,
  SortDirection,
  callerScope,
  createdAtDirection,
  listFilterWhere,
  type EntityClient,
  type Principal,
  SCOPES,
  amountProblems,
  badInput,
  conflict,
  currencyProblems,
  entitySnapshot,
  mayActAtLocation,
  notFound,
  paginate,
  paginateMany,
  runIdempotent,
  parseIntIdArg,
  parseUuidArg,
  requireScope,
  restoreEntity,
  textProblems,
  callerListWhere,
} from '@pos/kit';
import { Location } from '../location/location.entity';
import { HOSTED_CHECKOUT_TTL_SECONDS, redirectUrlProblems } from './order.checkout';
import { Order, OrderOrder } from './order.entity';
import { checkoutErrors } from './order.errors';
import type { CreateOrderInput, OrderFilter, OrderListFilter } from './order.inputs';
import { LEVEL3_LIMITS, normaliseLevel3 } from './order.level3';

/** What an idempotent createOrder stores to replay: the order as it was returned. */
const orderCodec = {
  id: (order: Order) => order.id,
  snapshot: (order: Order) => entitySnapshot(order),
  restore: (snapshot: unknown) =>
    restoreEntity(() => new Order(), snapshot, ['createdAt', 'updatedAt', 'checkoutExpiresAt', 'checkoutPaidAt']),
};

export interface OrderServiceOptions {
  /** Whether hosted checkout URLs may be plain http on a loopback host: outside production only. */
  allowLoopbackHttpUrls: boolean;
  /** The payments subgraph, read through the graph for the payment that completes a hosted checkout. */
  payments: EntityClient;
  requestId: string;
}

/** What completing a hosted checkout needs to know of its payment. */
interface CheckoutPayment {
  id: string;
  status: string;
  amountCents: number;
  currency: string;
  order: { id: string } | null;
}

/** Orders of the caller's tenant, and of the locations a POS user's roles allow. */
export class OrderService {
  constructor(
    private readonly em: EntityManager,
    private readonly options: OrderServiceOptions,
  ) {}

  byIds(principal: Principal, ids: readonly string[]): Promise<Order[]> {
    return this.em.find(Order, { id: { $in: [...ids] }, ...callerScope(principal) });
  }

  /**
   * One page of the caller's orders (Query.orders), newest first unless `orderBy` says otherwise, under the same
   * scope as every order read: the caller's tenant, and a POS user's own locations.
   */
  list(
    principal: Principal,
    filter: OrderFilter | null,
    orderBy: OrderOrder | null,
    page: ConnectionArgs,
  ): Promise<ConnectionPage<Order>> {
    const where = callerListWhere(principal, filter);
    return paginate(this.em, Order, where, page, { direction: createdAtDirection(orderBy, SortDirection.DESC) });
  }

  /**
   * The same page of the caller's orders at each of these locations (Location.orders), oldest first unless
   * `orderBy` says otherwise, in one query; a location the caller may not act at has none.
   */
  pagesAtLocations(
    principal: Principal,
    locationIds: readonly number[],
    query: { filter: OrderListFilter | null; orderBy: OrderOrder | null },
    page: PageRequest,
  ): Promise<Map<number, ConnectionPage<Order>>> {
    const allowed = locationIds.filter((id) => mayActAtLocation(principal, id));
    const where = { ...callerScope(principal), ...listFilterWhere(query.filter) };
    return paginateMany(this.em, Order, 'locationId', allowed, where, page, {
      direction: createdAtDirection(query.orderBy, SortDirection.ASC),
    });
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
    input: Omit<CreateOrderInput, 'idempotencyKey'>,
    idempotencyKey?: string | null,
  ): Promise<{ order: Order; replayed: boolean }> {
    requireScope(principal, SCOPES.posOrders);
    const locationId = parseIntIdArg(input.locationId, 'locationId');
    const problems = [
      ...currencyProblems(input.currency),
      ...amountProblems(input.totalMinor, 'totalMinor'),
      ...textProblems(input.externalReference, 'externalReference', LEVEL3_LIMITS.customerReference),
      ...textProblems(input.externalSource, 'externalSource', 64),
      ...textProblems(input.externalId, 'externalId', 128),
    ];
    if ((input.externalSource == null) !== (input.externalId == null)) {
      problems.push('externalSource, externalId: give both or neither');
    }
    const { allowLoopbackHttpUrls } = this.options;
    problems.push(
      ...redirectUrlProblems(input.returnUrl, 'returnUrl', allowLoopbackHttpUrls),
      ...redirectUrlProblems(input.cancelUrl, 'cancelUrl', allowLoopbackHttpUrls),
    );
    if (input.cancelUrl != null && input.returnUrl == null) {
      problems.push('cancelUrl: only together with a return URL (where a paid checkout returns to)');
    }
    const level3 = input.level3 ? normaliseLevel3(input.level3, input.totalMinor) : null;
    if (level3) problems.push(...level3.problems);
    if (problems.length) throw badInput('Invalid order', problems);

    const { result, replayed } = await runIdempotent(
      this.em,
      principal,
      { key: idempotencyKey, operation: 'createOrder', input: createOrderFingerprint(input, locationId) },
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
          totalCents: input.totalMinor,
          externalReference: input.externalReference ?? null,
          externalSource: input.externalSource ?? null,
          externalId: input.externalId ?? null,
          level3: level3?.data ?? null,
          returnUrl: input.returnUrl ?? null,
          cancelUrl: input.cancelUrl ?? null,
          openedByM2mClientId: principal.kind === 'm2m' ? principal.clientId : null,
          openedByUserId: principal.kind === 'user' ? principal.subject : null,
        });
        // A hosted checkout opens with the order when the partner gave somewhere to return to and there is
        // something to pay; the gateway mints the link to it (gateway/src/hosted-checkout).
        if (order.returnUrl && order.totalCents > 0) {
          order.checkoutId = randomUUID();
          // Whole seconds, as the link's `exp` carries it, so the order, the link and the payment agree exactly.
          const createdAt = Math.floor(order.createdAt.getTime() / 1000) * 1000;
          order.checkoutExpiresAt = new Date(createdAt + HOSTED_CHECKOUT_TTL_SECONDS * 1000);
        }
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

  /**
   * Records that a payment through the order's hosted checkout was approved, which makes its link single-use: the
   * gateway's hosted checkout calls this right after the approval (the field is not part of the public graph).
   * The payment must exist for the caller, be of this order, be approved and be for the order's total (what the link
   * pays), read from the payments subgraph as the caller: NOT_FOUND, CONFLICT `payment_not_approved` or
   * `payment_amount_mismatch` otherwise, and the link stays open. Idempotent for the same payment; another payment
   * for an already paid checkout is CONFLICT `checkout_already_paid`.
   */
  async completeHostedCheckout(
    principal: Principal,
    ids: { orderId: string; checkoutId: string; paymentId: string },
  ): Promise<Order> {
    requireScope(principal, SCOPES.posPayments);
    const orderId = parseUuidArg(ids.orderId, 'orderId');
    const checkoutId = parseUuidArg(ids.checkoutId, 'checkoutId');
    const paymentId = parseUuidArg(ids.paymentId, 'paymentId');
    const where = { id: orderId, checkoutId, ...callerScope(principal) };
    // The payment is read before the order's row is locked: no transaction waits on another service.
    const order = await this.em.findOne(Order, where);
    if (!order) throw checkoutErrors.checkoutNotFound();
    if (order.checkoutPaidAt) return settledCheckout(order, paymentId);
    await this.assertCheckoutPayment(principal, order, paymentId);
    return this.em.transactional(async (tx) => {
      const locked = await tx.findOneOrFail(Order, where, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      // Another request completed it meanwhile.
      if (locked.checkoutPaidAt) return settledCheckout(locked, paymentId);
      locked.checkoutPaidAt = new Date();
      locked.checkoutPaymentId = paymentId;
      await tx.flush();
      return locked;
    });
  }

  /** Throws unless `paymentId` is an approved payment of `order`, of its total, that the caller may see. */
  private async assertCheckoutPayment(principal: Principal, order: Order, paymentId: string): Promise<void> {
    const payment = await this.options.payments.fetch<CheckoutPayment>(
      principal,
      this.options.requestId,
      'Payment',
      paymentId,
      'id status amountCents currency order { id }',
    );
    if (!payment || payment.order?.id !== order.id) throw checkoutErrors.paymentNotFound();
    if (payment.status !== 'APPROVED') throw checkoutErrors.paymentNotApproved(payment.status);
    if (payment.amountCents !== order.totalCents || payment.currency !== order.currency) {
      throw checkoutErrors.amountMismatch(
        `${payment.amountCents} ${payment.currency}`,
        `${order.totalCents} ${order.currency}`,
      );
    }
  }
}

/** A checkout already paid: the same payment again is the same answer; another one is refused. */
function settledCheckout(order: Order, paymentId: string): Order {
  if (order.checkoutPaymentId === paymentId) return order;
  throw checkoutErrors.alreadyPaid(order.checkoutPaymentId);
}

/**
 * What a createOrder idempotency key is bound to: the input under the names it had when keys were first taken
 * (`totalCents`, `unitCostCents`, ...), so a key taken before the inputs became `…Minor` still replays its order.
 */
function createOrderFingerprint(input: Omit<CreateOrderInput, 'idempotencyKey'>, locationId: number): unknown {
  // The fingerprint leaves out undefined values, so absent fields stay absent under their old names too.
  const { totalMinor, level3, ...rest } = input;
  const lineItems = level3?.lineItems?.map(({ unitCostMinor, taxMinor, discountMinor, ...line }) => ({
    ...line,
    unitCostCents: unitCostMinor,
    taxCents: taxMinor,
    discountCents: discountMinor,
  }));
  return { ...rest, locationId, totalCents: totalMinor, level3: level3 && { ...level3, lineItems } };
}
