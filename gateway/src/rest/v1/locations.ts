import { SCOPES } from '@pos/kit';
import { z } from 'zod';
import { type PagedConnection, defineRoute } from '../route';
import { integerId, noQuery, timestamp } from '../common';

const location = z.object({
  id: z.number().int().describe('Location id'),
  name: z.string(),
  timezone: z.string().describe('IANA time zone'),
  created_at: timestamp(),
});

interface GqlLocation {
  id: string;
  name: string;
  timezone: string;
  createdAt: string;
}
const toLocation = (l: GqlLocation) => ({
  id: Number(l.id),
  name: l.name,
  timezone: l.timezone,
  created_at: l.createdAt,
});

export const locationRoutes = [
  defineRoute({
    method: 'get',
    path: '/pos/v1/locations',
    operationId: 'listLocations',
    summary: "List the locations in the partner's scope",
    description: 'A POS user sees the locations of their roles only.',
    tags: ['Locations'],
    scope: SCOPES.posRead,
    params: z.object({}),
    query: noQuery,
    document: `query RestListLocations($first: Int, $after: String) {
      locations(first: $first, after: $after) { nodes { id name timezone createdAt } pageInfo { hasNextPage endCursor } }
    }`,
    // Every location, however many pages that takes.
    variables: () => ({ first: Infinity }),
    pages: (data) => data.locations as PagedConnection,
    respond: (data) => ({
      status: 200,
      body: { data: (data.locations as { nodes: GqlLocation[] }).nodes.map(toLocation) },
    }),
    response: { status: 200, description: 'The locations', schema: z.object({ data: z.array(location) }) },
  }),
  defineRoute({
    method: 'get',
    path: '/pos/v1/locations/{id}',
    operationId: 'getLocation',
    summary: 'Get one location',
    tags: ['Locations'],
    scope: SCOPES.posRead,
    params: z.object({ id: integerId('id') }),
    query: noQuery,
    document: 'query RestGetLocation($id: ID!) { location(id: $id) { id name timezone createdAt } }',
    variables: ({ params }) => ({ id: params.id }),
    respond: (data) => (data.location ? { status: 200, body: toLocation(data.location as GqlLocation) } : null),
    notFoundMessage: 'Location not found',
    response: { status: 200, description: 'The location', schema: location },
  }),
];
