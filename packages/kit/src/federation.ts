import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { type GraphQLSchema, parse } from 'graphql';
import { type BuildSchemaOptions, buildSchema, createResolversMap } from 'type-graphql';

/** The one place that pins the Federation version and the directives the subgraphs may use. */
const FEDERATION_LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@interfaceObject", "@inaccessible"])`;

/**
 * The root types' descriptions, the same in every subgraph (type-graphql has no way to describe a root type, and
 * composition keeps one text for a type that several subgraphs define): what a frontend engineer reads first.
 */
const ROOT_DESCRIPTIONS = {
  Query:
    'Every read of the graph: locations, their orders, checks and payments, loyalty customers, webhook endpoints. ' +
    'Everything is scoped to the caller’s tenant (partner, merchant or loyalty org). Lists are connections ' +
    '(`first`/`after`, at most 100 a page).',
  Mutation:
    'Every write of the graph. Each takes one `input` and answers a nullable payload whose `userErrors` carry ' +
    'business refusals (declined, amount over due, PIN required, ...); top-level errors are kept for ' +
    'authentication, permission, rate limits and outages. Money moves take an `idempotencyKey`.',
  Subscription:
    'Live streams over graphql-ws, multipart HTTP or GraphQL over SSE: payment events of the caller’s locations ' +
    '(start from `paymentActivity`’s `asOfCursor` and resume with `after` to miss nothing and count nothing ' +
    'twice), and a loyalty customer’s own PIN challenges.',
} as const;

export type ReferenceResolvers = Record<string, { __resolveReference: (ref: never, ctx: never) => unknown }>;

/**
 * Builds a Federation 2 subgraph from type-graphql classes: type-graphql emits the SDL with its directives, and
 * @apollo/subgraph adds `_service`, `_entities` and the reference resolvers. type-graphql keeps a static build
 * context, so schemas must be built one after another, never concurrently.
 */
export async function buildFederatedSchema(
  options: Omit<BuildSchemaOptions, 'skipCheck'>,
  referenceResolvers: ReferenceResolvers = {},
): Promise<GraphQLSchema> {
  const schema = await buildSchema({ ...options, skipCheck: true });
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (root) root.description = ROOT_DESCRIPTIONS[root.name as keyof typeof ROOT_DESCRIPTIONS];
  }
  const typeDefs = parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`);
  const resolvers = createResolversMap(schema) as Record<string, Record<string, unknown>>;
  for (const [typeName, reference] of Object.entries(referenceResolvers)) {
    resolvers[typeName] = { ...(resolvers[typeName] ?? {}), ...reference };
  }
  return buildSubgraphSchema({ typeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> });
}
