/**
 * The peer part's mutation: createOrder through each gateway, then the new order's payments, checks and loyalty
 * transactions, "identical" (every request the same order data) or "varied" (its own total and reference each
 * time). Every answer must be a new, open order with no payments.
 */
import type { GraphQLResponse } from './http';
import { CREATE_ORDER, type Target, answer } from './peer-operations';
import type { GatewaySide } from './sides';

/** The mutation opens its orders at demo location 2, away from the reads' locations. */
const MUTATION_LOCATION = '2';

export const mutationSide = (target: Target, pattern: 'identical' | 'varied'): GatewaySide => ({
  target: target.name,
  gatewayPid: target.pid,
  send: async (n) => {
    const totalMinor = pattern === 'identical' ? 2500 : 2500 + (n % 1000);
    const externalReference = pattern === 'identical' ? 'PEER-MUTATION' : `PEER-M${n}`;
    const got = await answer(
      target,
      JSON.stringify({
        query: CREATE_ORDER,
        variables: { input: { locationId: MUTATION_LOCATION, currency: 'USD', totalMinor, externalReference } },
      }),
    );
    const json = JSON.parse(got.text) as GraphQLResponse<{
      createOrder?: {
        order?: {
          id?: unknown;
          status?: unknown;
          total?: { amountMinor?: unknown };
          payments?: { nodes?: unknown[] };
        };
      };
    }>;
    const order = json.data?.createOrder?.order;
    if (
      got.status !== 200 ||
      json.errors?.length ||
      typeof order?.id !== 'string' ||
      order.status !== 'OPEN' ||
      order.total?.amountMinor !== totalMinor ||
      order.payments?.nodes?.length !== 0
    ) {
      throw new Error(`HTTP ${got.status}: ${got.text.slice(0, 300)}`);
    }
  },
});
