import { z } from 'zod';

/** Settings of the checks subgraph beyond the common ones (docs/operations.md, Configuration). */
export const checksEnv = {
  /** The orders subgraph, read through the graph for the location (and order) a check is opened at. */
  ORDERS_URL: z.string().url().default('http://127.0.0.1:4001/graphql'),
};
