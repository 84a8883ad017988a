import type { FetchNode } from '@apollo/query-planner';
import {
  type ArgumentNode,
  type FieldNode,
  Kind,
  type OperationDefinitionNode,
  type ValueNode,
  parse,
  print,
  visit,
} from 'graphql';

/**
 * A subscription field whose stream the gateway can resume after its upstream connection drops: it takes a cursor
 * argument, its events carry a cursor field, and a query answers the cursor of the newest event (so a stream can
 * be anchored before its first event). With all three, a resumed stream starts exactly after the last event the
 * gateway received: nothing is missed and nothing comes twice.
 */
export interface ResumableField {
  afterArg: string;
  afterType: string;
  cursorField: string;
  headQuery: string;
}

export const RESUMABLE_FIELDS: Readonly<Record<string, ResumableField>> = {
  paymentEvents: { afterArg: 'after', afterType: 'String', cursorField: 'cursor', headQuery: 'paymentEventsCursor' },
};

/** Names the gateway adds to the upstream operation; unusual enough not to collide with a client's own. */
const RESUME_VARIABLE = 'gatewayResumeAfter';
const CURSOR_ALIAS = 'gatewayResumeCursor';

/** The upstream operation of a resumable subscription, rewritten so that the gateway controls where it starts. */
export interface ResumableUpstream {
  field: ResumableField;
  /** The primary operation with `after: $gatewayResumeAfter` and a cursor the gateway reads on every event. */
  operation: string;
  /** The client's variables the rewritten operation still uses (the client's `after` variable may be gone). */
  variableUsages: string[];
  /** Where the client asked to start: its `after` argument's value, or null to start from now. */
  initialAfter(variables: Record<string, unknown>): string | null;
  /** The upstream variables with the stream's current resume position. */
  withAfter(variables: Record<string, unknown>, after: string | null): Record<string, unknown>;
  /** The cursor of an upstream event, read from the field the gateway added. */
  cursorOf(data: Record<string, unknown> | null | undefined): string | null;
}

/** The resumable form of a plan's primary fetch, or null when its field is not resumable. */
export function resumableUpstream(primary: FetchNode): ResumableUpstream | null {
  const document = parse(primary.operation);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const root = operation?.selectionSet.selections.find(
    (s): s is FieldNode => s.kind === Kind.FIELD && s.name.value in RESUMABLE_FIELDS,
  );
  if (!operation || !root?.selectionSet) return null;
  const field = RESUMABLE_FIELDS[root.name.value];
  const responseKey = root.alias?.value ?? root.name.value;
  const asked = root.arguments?.find((a) => a.name.value === field.afterArg)?.value;

  const name = (value: string) => ({ kind: Kind.NAME, value }) as const;
  const afterArgument: ArgumentNode = {
    kind: Kind.ARGUMENT,
    name: name(field.afterArg),
    value: { kind: Kind.VARIABLE, name: name(RESUME_VARIABLE) },
  };
  const cursor: FieldNode = { kind: Kind.FIELD, alias: name(CURSOR_ALIAS), name: name(field.cursorField) };
  const rewrittenRoot: FieldNode = {
    ...root,
    arguments: [...(root.arguments ?? []).filter((a) => a.name.value !== field.afterArg), afterArgument],
    selectionSet: { ...root.selectionSet, selections: [...root.selectionSet.selections, cursor] },
  };
  const rewritten = {
    ...document,
    definitions: document.definitions.map((d) =>
      d !== operation
        ? d
        : {
            ...operation,
            selectionSet: {
              ...operation.selectionSet,
              selections: operation.selectionSet.selections.map((s) => (s === root ? rewrittenRoot : s)),
            },
          },
    ),
  };
  // The client's `after` variable may now be unused, which the subgraph would refuse (NoUnusedVariables).
  const used = new Set<string>();
  visit(rewritten, {
    VariableDefinition: () => false,
    Variable: (node) => {
      used.add(node.name.value);
    },
  });
  const finalDocument = visit(rewritten, {
    OperationDefinition: (node) => ({
      ...node,
      variableDefinitions: [
        ...(node.variableDefinitions ?? []).filter((v) => used.has(v.variable.name.value)),
        {
          kind: Kind.VARIABLE_DEFINITION,
          variable: { kind: Kind.VARIABLE, name: name(RESUME_VARIABLE) },
          type: { kind: Kind.NAMED_TYPE, name: name(field.afterType) },
        },
      ],
    }),
  });

  return {
    field,
    operation: print(finalDocument),
    variableUsages: (primary.variableUsages ?? []).filter((v) => used.has(v)),
    initialAfter: (variables) => stringValue(asked, variables),
    withAfter: (variables, after) => ({ ...variables, [RESUME_VARIABLE]: after }),
    cursorOf: (data) => {
      const value = (data?.[responseKey] as Record<string, unknown> | null | undefined)?.[CURSOR_ALIAS];
      return typeof value === 'string' ? value : null;
    },
  };
}

function stringValue(value: ValueNode | undefined, variables: Record<string, unknown>): string | null {
  if (!value) return null;
  if (value.kind === Kind.VARIABLE) {
    const given = variables[value.name.value];
    return typeof given === 'string' ? given : null;
  }
  return value.kind === Kind.STRING ? value.value : null;
}
