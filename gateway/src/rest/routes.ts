import { z } from 'zod';
import { SCOPES } from '@pos/kit';
import { defineRoute } from './route';

const noQuery = z.object({}).strict();
const integerId = (what: string) =>
  z
    .string()
    .regex(/^[1-9]\d{0,15}$/, `${what} must be a positive integer`)
    .describe(`${what} (a positive integer)`);

const location = z.object({
  id: z.number().int().describe('Location id'),
  name: z.string(),
  timezone: z.string().describe('IANA time zone'),
  created_at: z.string().describe('ISO 8601 timestamp'),
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

/** The REST facade's route table (partner API v1). It also generates the OpenAPI document. */
export const routes = [
  defineRoute({
    method: 'get',
    path: '/pos/v1/locations',
    operationId: 'listLocations',
    summary: "List the locations in the partner's scope",
    tags: ['Locations'],
    scope: SCOPES.posRead,
    params: z.object({}),
    query: noQuery,
    document: 'query RestListLocations { locations { id name timezone createdAt } }',
    variables: () => ({}),
    respond: (data) => ({ status: 200, body: { data: (data.locations as GqlLocation[]).map(toLocation) } }),
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
