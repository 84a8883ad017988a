/**
 * The "queries" part of `pnpm bench`: the federated query through the gateway against the direct client
 * (federated-query.ts), then the REST facade against the GraphQL operation of each REST route (rest-vs-graphql.ts).
 * The REST pairs come last: the orders they create would otherwise change the federated query's data.
 */
import type { DirectPlan } from './direct-client';
import { federatedQueryBench } from './federated-query';
import { restVsGraphqlBench } from './rest-vs-graphql';
import type { System } from './system';

export async function queryBench(
  sys: System,
  plan: DirectPlan,
): Promise<{ report: Record<string, unknown>; failed: boolean }> {
  const federated = await federatedQueryBench(sys, plan);
  const rest = await restVsGraphqlBench(sys);
  return { failed: federated.failed || rest.failed, report: { ...federated.report, ...rest.report } };
}
