import {
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  GraphQLError,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
  Kind,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  validate,
  valueFromASTUntyped,
} from 'graphql';
import { DEFAULT_PAGE_SIZE } from '@pos/kit';

/**
 * Depth and cost limits on the documents clients send, as graphql-js validation rules: a document over a limit is
 * refused before anything runs (GRAPHQL_VALIDATION_FAILED, HTTP 400), and Apollo Server validates each distinct
 * document once, so the check costs nothing on repeats.
 *
 * Why both: depth alone lets a shallow document ask for a large product (`locations { nodes { orders { nodes { payments
 * { … } } } } }` is a few levels, but locations × orders × payments rows), and cost alone lets a long chain of cheap
 * single objects through (`payment { order { hostedCheckout { payment { order { … } } } } }`), each level one more
 * round of subgraph fetches.
 */
export interface OperationLimits {
  /** Deepest field nesting an operation may have: `{ a { b } }` is 2. */
  maxDepth: number;
  /** Largest estimated cost (see {@link operationCost}). */
  maxCost: number;
  /** The rows assumed of a list field that takes no `first`/`limit` argument (`locations`, `Order.payments`). */
  defaultListSize: number;
}

/** A `first`/`limit` above this counts as this: no list the services return is longer (the largest caps at 200). */
export const MAX_LIST_SIZE = 1000;

/**
 * What a root field of a mutation costs instead of 1: a write takes locks, a transaction and often a processor call,
 * so a document of N aliased mutations costs N times this (plus their selections), as Shopify weighs them.
 */
export const MUTATION_FIELD_COST = 10;

/** How to measure one operation. */
export interface MeasureOptions {
  /** The rows assumed of a list field without a `first`/`limit` argument. */
  defaultListSize: number;
  /**
   * The request's variables. Without them (validation, once per document) a variable counts as its default in the
   * operation, else the argument's default in the schema, else `defaultListSize`; with them, as its value.
   */
  variables?: Readonly<Record<string, unknown>> | null;
}

/** Arguments that bound how many rows a list field (or a connection's page) returns; the first one given counts. */
const SIZE_ARGUMENTS = ['first', 'last', 'limit'];

/**
 * A Relay connection (`XConnection { edges nodes pageInfo totalCount }`): not a list itself, but its `edges` and
 * `nodes` hold a page of `first` (or `last`) rows, {@link DEFAULT_PAGE_SIZE} when neither is given.
 */
const isConnection = (type: GraphQLCompositeType | null): boolean =>
  !!type && isObjectType(type) && type.name.endsWith('Connection') && 'edges' in type.getFields();

export interface Measure {
  depth: number;
  cost: number;
  /** Whether a variable's value decided a list size: the measure then holds for these variables only. */
  usedVariables: boolean;
}

/**
 * Introspection's own fields (`__schema`, `__type`) count for nothing: introspection is refused outside development
 * anyway, and the tools that use it there (Sandbox, codegen) send queries nested deeper than any data query.
 * `__typename` is a field like any other.
 */
const isIntrospection = (name: string) => name === '__schema' || name === '__type';

function fieldOf(type: GraphQLCompositeType | null, name: string): GraphQLField<unknown, unknown> | undefined {
  if (!type || !(isObjectType(type) || isInterfaceType(type))) return undefined;
  return type.getFields()[name];
}

/**
 * How many times a list field's selection counts: its `first`/`limit` (a literal; a variable's value when the
 * request's variables are known, else its default in the operation; the schema's default), else the default size.
 */
function listSize(
  field: GraphQLField<unknown, unknown>,
  args: readonly { name: { value: string }; value: ValueNode }[],
  variableDefaults: Map<string, unknown>,
  options: MeasureOptions,
  used: { variables: boolean },
  fallback: number,
): number {
  const sizeOf = (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) ? Math.min(Math.max(0, value), MAX_LIST_SIZE) : null;
  // An argument the operation gives wins over another's schema default (`last: 5` beside a defaulted `first`).
  for (const name of SIZE_ARGUMENTS) {
    const definition = field.args.find((arg) => arg.name === name);
    const given = definition && args.find((arg) => arg.name.value === name);
    if (!given) continue;
    let value: unknown;
    if (given.value.kind === Kind.VARIABLE) {
      const variable = given.value.name.value;
      const sent = options.variables?.[variable];
      if (typeof sent === 'number') {
        used.variables = true;
        value = sent;
      } else {
        value = variableDefaults.get(variable) ?? definition.defaultValue;
      }
    } else {
      value = valueFromASTUntyped(given.value);
    }
    const size = sizeOf(value);
    if (size !== null) return size;
  }
  for (const name of SIZE_ARGUMENTS) {
    const size = sizeOf(field.args.find((arg) => arg.name === name)?.defaultValue);
    if (size !== null) return size;
  }
  return fallback;
}

/** Each list wrapper of a type multiplies what is under it (`[[X]]` twice). */
function listMultiplier(type: GraphQLOutputType, size: number): number {
  let multiplier = 1;
  let current: GraphQLOutputType = getNullableType(type);
  while (isListType(current)) {
    multiplier *= size;
    current = getNullableType(current.ofType);
  }
  return multiplier;
}

/**
 * Depth and cost of one operation. Cost: every field costs 1 (a mutation's root fields {@link MUTATION_FIELD_COST}),
 * and a list field's selection counts once per row it may return ({@link listSize}), so `order { checks { items {
 * name } } }` costs 1 + 1 + 10 × (1 + 10 × 1) = 112 with the default list size 10. Inline fragments on different types all count (a
 * bound, not a guess of which one matches). A named fragment is measured once however often it is spread (no blow-up
 * from fragments spreading fragments), and a fragment cycle (refused by graphql-js's own NoFragmentCycles rule)
 * counts once around. The same measure serves the validation limits (without variables) and the cost a request
 * spends from its caller's budget (with them).
 */
export function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragmentOf: (name: string) => FragmentDefinitionNode | null | undefined,
  options: MeasureOptions,
): Measure {
  const variableDefaults = new Map<string, unknown>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) {
      variableDefaults.set(definition.variable.name.value, valueFromASTUntyped(definition.defaultValue));
    }
  }
  const used = { variables: false };
  // Per operation: a fragment's measure depends on the operation's variables.
  const fragments = new Map<string, Sized>();
  const inProgress = new Set<string>();

  // A fragment on a connection type measures differently under each page size.
  const measureFragment = (fragment: FragmentDefinitionNode, pageRows: number): Sized => {
    const name = fragment.name.value;
    const key = `${name}|${pageRows}`;
    const known = fragments.get(key);
    if (known) return known;
    if (inProgress.has(name)) return { depth: 0, cost: 0 };
    inProgress.add(name);
    const type = schema.getType(fragment.typeCondition.name.value);
    const measure = measureSelections(fragment.selectionSet, isCompositeType(type) ? type : null, 1, pageRows);
    inProgress.delete(name);
    fragments.set(key, measure);
    return measure;
  };

  /** `pageRows`: the rows a list without its own size argument holds (a connection's page, else the default). */
  function measureSelections(
    selectionSet: SelectionSetNode,
    parent: GraphQLCompositeType | null,
    fieldCost: number,
    pageRows = options.defaultListSize,
  ): Sized {
    let depth = 0;
    let cost = 0;
    for (const selection of selectionSet.selections) {
      let measure: Sized;
      if (selection.kind === Kind.FIELD) {
        if (isIntrospection(selection.name.value)) continue;
        const field = fieldOf(parent, selection.name.value);
        measure = { depth: 1, cost: fieldCost };
        if (selection.selectionSet) {
          const named = field ? getNamedType(field.type) : null;
          const type = isCompositeType(named) ? named : null;
          const size = (fallback: number) =>
            field ? listSize(field, selection.arguments ?? [], variableDefaults, options, used, fallback) : fallback;
          // A connection's page size multiplies its edges and nodes, not its pageInfo and totalCount.
          const below = measureSelections(
            selection.selectionSet,
            type,
            1,
            isConnection(type) ? size(DEFAULT_PAGE_SIZE) : options.defaultListSize,
          );
          const rows = field ? listMultiplier(field.type, size(pageRows)) : 1;
          measure = { depth: 1 + below.depth, cost: Math.min(fieldCost + rows * below.cost, Number.MAX_SAFE_INTEGER) };
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        measure = measureSelections(selection.selectionSet, isCompositeType(type) ? type : null, fieldCost, pageRows);
      } else {
        const fragment = fragmentOf(selection.name.value);
        if (!fragment) continue;
        // A fragment spread on the mutation root weighs as its fields would (measured apart, not cached).
        measure =
          fieldCost === 1
            ? measureFragment(fragment, pageRows)
            : measureSelections(fragment.selectionSet, parent, fieldCost, pageRows);
      }
      depth = Math.max(depth, measure.depth);
      cost = Math.min(cost + measure.cost, Number.MAX_SAFE_INTEGER);
    }
    return { depth, cost };
  }

  const root = schema.getRootType(operation.operation) ?? null;
  const rootFieldCost = operation.operation === 'mutation' ? MUTATION_FIELD_COST : 1;
  return { ...measureSelections(operation.selectionSet, root, rootFieldCost), usedVariables: used.variables };
}

type Sized = Omit<Measure, 'usedVariables'>;

const operationLabel = (operation: OperationDefinitionNode) =>
  operation.name ? `Operation ${operation.name.value}` : `The ${operation.operation}`;

export const costMessage = (
  operation: OperationDefinitionNode,
  cost: number,
  maxCost: number,
  defaultListSize: number,
) =>
  `${operationLabel(operation)} costs ${cost}; the maximum cost is ${maxCost} (each field costs 1, a mutation's ` +
  `fields ${MUTATION_FIELD_COST}, and a list field's selection counts once per row of its first/limit argument, or ` +
  `${defaultListSize} rows)`;

export const limitError = (
  operation: OperationDefinitionNode,
  message: string,
  extensions: { limit: 'depth' | 'cost'; maximum: number; actual: number },
) =>
  new GraphQLError(message, {
    nodes: [operation],
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED', ...extensions },
  });

/** Refuses an operation whose fields nest deeper than `maxDepth`. */
export function maxDepthRule(maxDepth: number, defaultListSize = 10): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const { depth } = measureOperation(context.getSchema(), operation, (name) => context.getFragment(name), {
        defaultListSize,
      });
      if (depth > maxDepth) {
        context.reportError(
          limitError(
            operation,
            `${operationLabel(operation)} is ${depth} levels deep; the maximum depth is ${maxDepth}`,
            {
              limit: 'depth',
              maximum: maxDepth,
              actual: depth,
            },
          ),
        );
      }
      return false;
    },
  });
}

/** Refuses an operation whose estimated cost ({@link measureOperation}) is above `maxCost`. */
export function maxCostRule(maxCost: number, defaultListSize: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const { cost } = measureOperation(context.getSchema(), operation, (name) => context.getFragment(name), {
        defaultListSize,
      });
      if (cost > maxCost) {
        context.reportError(
          limitError(operation, costMessage(operation, cost, maxCost, defaultListSize), {
            limit: 'cost',
            maximum: maxCost,
            actual: cost,
          }),
        );
      }
      return false;
    },
  });
}

/** The two rules, as Apollo Server's `validationRules` and the graphql-ws server's check take them. */
export const operationLimitRules = (limits: OperationLimits): ValidationRule[] => [
  maxDepthRule(limits.maxDepth, limits.defaultListSize),
  maxCostRule(limits.maxCost, limits.defaultListSize),
];

/**
 * The limit errors of a document that is valid otherwise, remembered per document object: the graphql-ws server
 * shares one parsed document among every client that sends the same text (subscriptions/documents.ts), so the
 * rules run once per distinct text there too.
 */
export function documentLimits(
  schema: GraphQLSchema,
  rules: ValidationRule[],
): (document: DocumentNode) => readonly GraphQLError[] {
  const checked = new WeakMap<DocumentNode, readonly GraphQLError[]>();
  return (document) => {
    let errors = checked.get(document);
    if (!errors) {
      errors = validate(schema, document, rules);
      checked.set(document, errors);
    }
    return errors;
  };
}
