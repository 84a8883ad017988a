import { type Operation, type Schema, Supergraph, operationFromDocument } from '@apollo/federation-internals';
import { type FetchNode, type QueryPlan, QueryPlanner } from '@apollo/query-planner';
import { ErrorCode } from '@pos/kit';
import {
  type DocumentNode,
  type FieldNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  getOperationAST,
  getVariableValues,
  print,
  visit,
} from 'graphql';
import type { GatewayContext } from '../../context';
import { type ResumableUpstream, resumableUpstream } from '../resumable';

export interface SubscriptionRequest {
  /** Shared by every subscriber that sent the same text (ws-server's DocumentCache): keyed here by identity. */
  document: DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  context: GatewayContext;
}

/** A distinct client subscription's plan, and what is derived from it once rather than per subscriber or event. */
export interface PlanEntry {
  plan: QueryPlan;
  /** Operation name and printed document: what makes two client documents the same. */
  key: string;
  /** The printed document. */
  query: string;
  /** The client operation as the executor builds it (operationFromDocument), to shape every event's result. */
  operation: Operation;
  /** The variable carrying only the cursor argument (cursorOnlyVariable), once known; undefined until asked. */
  afterVariable?: string | null;
}

/**
 * The supergraph as the query planner sees it, and what is planned from it: each distinct client subscription's
 * plan, the resumable form of each upstream operation, and the client's variables as the API schema types them.
 * Everything is derived once per distinct document or operation and kept (within a bound), not per subscriber.
 */
export class SubscriptionPlans {
  readonly supergraph: Supergraph;
  readonly apiSchema: Schema;
  private readonly planner: QueryPlanner;
  private apiGraphQL: GraphQLSchema | undefined;
  private readonly plans = new Map<string, PlanEntry>();
  private readonly printed = new WeakMap<DocumentNode, string>();
  private readonly resumables = new Map<string, ResumableUpstream | null>();

  constructor(supergraphSdl: string) {
    this.supergraph = Supergraph.build(supergraphSdl);
    this.apiSchema = this.supergraph.apiSchema();
    this.planner = new QueryPlanner(this.supergraph);
  }

  /** The API schema as graphql-js sees it, for validating operations sent over graphql-ws. */
  get apiGraphQLSchema(): GraphQLSchema {
    this.apiGraphQL ??= this.apiSchema.toGraphQLJSSchema();
    return this.apiGraphQL;
  }

  /**
   * The plan of a document and operation, with the operation shaped results are built from. Keyed by the printed
   * document, printed once per distinct document object (documents are shared by everyone who sent the same text).
   */
  plan(document: DocumentNode, operationName?: string): PlanEntry {
    let printed = this.printed.get(document);
    if (printed === undefined) {
      printed = print(document);
      this.printed.set(document, printed);
    }
    const key = `${operationName ?? ''}\n${printed}`;
    let entry = this.plans.get(key);
    if (!entry) {
      const operation = operationFromDocument(this.apiSchema, document, { operationName });
      const plan = this.planner.buildQueryPlan(operation);
      // The planner's operation is its own; shaping gets another, as the executor would build it.
      const shaping = operationFromDocument(this.apiSchema, document, { operationName, validate: false });
      entry = { plan, key, query: printed, operation: shaping };
      if (this.plans.size >= 1000) this.plans.clear();
      this.plans.set(key, entry);
    }
    return entry;
  }

  /** The resumable form of a plan's primary fetch (resumable.ts), or null when its field is not resumable. */
  resumable(primary: FetchNode): ResumableUpstream | null {
    let resumable = this.resumables.get(primary.operation);
    if (resumable === undefined) {
      resumable = resumableUpstream(primary);
      if (this.resumables.size >= 1000) this.resumables.clear();
      this.resumables.set(primary.operation, resumable);
    }
    return resumable;
  }

  /**
   * The variable of a plan's document that carries only the resumable field's cursor argument, or null: found once
   * per plan and kept with it.
   */
  afterVariable(
    entry: PlanEntry,
    document: DocumentNode,
    operationName: string | undefined,
    resumable: ResumableUpstream,
  ): string | null {
    if (entry.afterVariable === undefined) {
      entry.afterVariable = cursorOnlyVariable(document, operationName, resumable.field.afterArg);
    }
    return entry.afterVariable;
  }

  /**
   * The variables as the operation declares them (types checked, defaults applied). graphql-ws validates the
   * document only; the values would otherwise reach the subgraph unchecked, and the gateway reads `after` itself.
   */
  coerceVariables(
    document: DocumentNode,
    operationName: string | undefined,
    inputs: Record<string, unknown>,
  ): Record<string, unknown> {
    const operation = getOperationAST(document, operationName);
    const coerced = getVariableValues(this.apiGraphQLSchema, operation?.variableDefinitions ?? [], inputs);
    if (coerced.errors) {
      throw new GraphQLError(coerced.errors[0].message, { extensions: { code: ErrorCode.BAD_USER_INPUT } });
    }
    return coerced.coerced;
  }
}

/** The variable that gives the subscription field its cursor argument, when the document uses it nowhere else. */
function cursorOnlyVariable(
  document: DocumentNode,
  operationName: string | undefined,
  afterArg: string,
): string | null {
  const operation = getOperationAST(document, operationName);
  const root = operation?.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD);
  const value = root?.arguments?.find((a) => a.name.value === afterArg)?.value;
  if (value?.kind !== Kind.VARIABLE) return null;
  const name = value.name.value;
  let uses = 0;
  visit(document, {
    VariableDefinition: () => false,
    Variable: (node) => {
      if (node.name.value === name) uses++;
    },
  });
  return uses === 1 ? name : null;
}
