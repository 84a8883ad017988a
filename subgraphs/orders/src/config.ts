import { z } from 'zod';

/** Settings of the orders subgraph beyond the common ones (docs/operations.md, Configuration). */
export const ordersEnv = {
  /** The payments subgraph, read through the graph for the payment that completes a hosted checkout. */
  PAYMENTS_URL: z.string().url().default('http://127.0.0.1:4003/graphql'),
};
