import type { ApolloServer } from '@apollo/server';
import { type Principal, operationSpanName, withSpan } from '@pos/kit';
import type { GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from './context';
import type { OperationCost } from './hardening/cost';

export interface OperationResult {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
  /** `cost`: what the operation spent of the caller's budget (hardening/cost.ts). */
  extensions?: { cost?: OperationCost } & Record<string, unknown>;
}

/** Runs one GraphQL operation in-process against the gateway, as the given caller (REST routes, launch links, hosted checkout). */
export type GraphExecutor = (
  document: string,
  variables: Record<string, unknown>,
  principal: Principal,
  requestId: string,
) => Promise<OperationResult>;

/**
 * Runs one GraphQL operation in-process as the caller: the REST routes' operation, the launch links' location
 * check, the hosted checkout's reads and payments.
 */
export const inProcessExecutor =
  (apollo: ApolloServer<GatewayContext>): GraphExecutor =>
  async (document, variables, principal, requestId) => {
    // The operation's span: below the REST route's, above @apollo/gateway's own (gateway.plan, gateway.fetch).
    const response = await withSpan(
      () => operationSpanName(document),
      { service: 'gateway' },
      () => apollo.executeOperation({ query: document, variables }, { contextValue: { requestId, principal } }),
    );
    return response.body.kind === 'single'
      ? response.body.singleResult
      : { errors: [{ message: 'unexpected incremental response' }] };
  };
