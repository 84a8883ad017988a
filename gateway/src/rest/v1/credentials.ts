import { PERSON_SCOPES, type Principal, SCOPES } from '@pos/kit';
import { type NextFunction, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { AuditEntry } from '../../auth/audit';
import { type ApiClientView, type PartnerCredentials, SECRET_OVERLAP } from '../../auth/partner-credentials';
import type { PosKeyView, PosKeys } from '../../auth/pos-keys';
import { type OperationCost, setRateLimitHeaders } from '../../hardening/cost';
import { timestamp, uuidId } from '../common';
import { type RestError, restError, sendRestError } from '../errors';
import type { DocumentedRoute } from '../openapi';
import { answerRefusal, callerOf, issues, validBody } from '../router';

/**
 * The partner's credentials as REST routes, for its people (the portal calls them with its session; the rules are in
 * auth/partner-credentials.ts). The gateway owns these rows (its identity schema), so, like launch links, they run no
 * GraphQL operation: they are mounted beside the route table, validate with zod, answer errors through the one
 * mapping, and are described in the OpenAPI document by {@link credentialRouteDocs}.
 */

export const API_CLIENTS_PATH = '/pos/v1/api-clients';
export const AUDIT_EVENTS_PATH = '/pos/v1/audit-events';
export const POS_KEYS_PATH = '/pos/v1/loyalty-programs/{program_id}/pos-keys';

const GRANTABLE = Object.values(SCOPES) as [string, ...string[]];
// Any scope string is named in the refusal, an operator's included: the service says why it is not the caller's.
const scopeName = z.string().regex(/^[a-z]+\/[a-z]+:[a-z]+$/, 'not a scope (e.g. tilt/pos:read)');

const clientName = z.string().trim().min(1).max(200);

const createBody = z
  .object({
    name: clientName.describe('What you call the client (shown in the portal)'),
    scopes: z
      .array(scopeName)
      .min(1)
      .max(GRANTABLE.length)
      .describe('Scopes the client may ask tokens for: at most what your role may grant and your partner holds'),
  })
  .strict();

const updateBody = z
  .object({
    name: clientName.optional().describe('A new name'),
    active: z.boolean().optional().describe('false disables the client: no new token, and its tokens stop working'),
  })
  .strict()
  .refine((body) => body.name !== undefined || body.active !== undefined, 'name or active is required');

const rotateBody = z
  .object({
    overlap_seconds: z
      .number()
      .int()
      .min(0)
      .max(SECRET_OVERLAP.maxSeconds)
      .default(SECRET_OVERLAP.defaultSeconds)
      .describe(
        'How long the current secret keeps working beside the new one (0 to 604800 seconds, default 86400): time to ' +
          'roll the new secret out. A secret an earlier rotation kept stops now.',
      ),
  })
  .strict();

const clientIdParam = z.object({
  client_id: z
    .string()
    .regex(/^[a-z0-9-]{1,128}$/, 'not a client id')
    .describe('The client id'),
});

const programParam = z.object({ program_id: uuidId('The loyalty program’s id') });
const posKeyParams = programParam.extend({ key_id: uuidId('The POS key’s id') });
const issueKeyBody = z
  .object({
    label: z.string().trim().min(1).max(200).describe('What the key is for, e.g. the till or the POS vendor'),
  })
  .strict();
const posKeySchema = z.object({
  id: z.string(),
  program_id: z.string(),
  label: z.string(),
  active: z.boolean(),
  created_at: timestamp(),
  revoked_at: timestamp().nullable(),
});
const issuedKeySchema = posKeySchema.extend({
  key: z.string().describe('The X-Api-Key value; shown once, only its SHA-256 is kept'),
});

const clientSchema = z.object({
  client_id: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  active: z.boolean(),
  created_at: timestamp(),
  previous_secret_expires_at: timestamp()
    .nullable()
    .describe('Until when the secret before the last rotation still works; null when it no longer does'),
});
const issuedSchema = clientSchema.extend({
  client_secret: z.string().describe('Shown once: only its hash is kept'),
});
const listSchema = z.object({
  data: z.array(clientSchema),
  grantable_scopes: z.array(z.string()).describe('The scopes you may give a client you create'),
});
const auditQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50).describe('How many, newest first (1–200, default 50)'),
  })
  .strict();
const auditSchema = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      at: timestamp(),
      actor: z.object({
        kind: z.string().describe('person (signed in to the portal)'),
        id: z.string(),
        name: z.string().describe('The person’s email at the time'),
      }),
      action: z.string().describe('e.g. api_client.created, api_client.secret_rotated, api_client.disabled'),
      target: z.object({ type: z.string(), id: z.string() }),
      before: z.record(z.string(), z.unknown()).nullable().describe('The record before the change (never a secret)'),
      after: z.record(z.string(), z.unknown()).nullable().describe('The record after the change'),
    }),
  ),
});

const clientBody = (client: ApiClientView): z.infer<typeof clientSchema> => ({
  client_id: client.clientId,
  name: client.name,
  scopes: client.scopes,
  active: client.active,
  created_at: client.createdAt.toISOString(),
  previous_secret_expires_at: client.previousSecretExpiresAt?.toISOString() ?? null,
});
const posKeyBody = (key: PosKeyView): z.infer<typeof posKeySchema> => ({
  id: key.id,
  program_id: key.programId,
  label: key.label,
  active: key.active,
  created_at: key.createdAt.toISOString(),
  revoked_at: key.revokedAt?.toISOString() ?? null,
});
const auditBody = (entry: AuditEntry) => ({ ...entry, at: entry.at.toISOString() });

export interface CredentialsRouterOptions {
  service: PartnerCredentials;
  posKeys: PosKeys;
  /** The request's caller: the portal's session cookie (from the portal's pages) or a bearer token. */
  authenticate(req: Request): Promise<Principal>;
  /** Where the caller's cost budget stands: the RateLimit headers every REST answer carries. */
  budget(principal: Principal): OperationCost | Promise<OperationCost>;
}

export function credentialsRouter(options: CredentialsRouterOptions): Router {
  const router = Router();
  /** Authenticates, checks the scope and the path, then runs `handle`; a refusal goes through the one mapping. */
  const route =
    (scope: string, handle: (principal: Principal, req: Request, res: Response) => Promise<RestError | undefined>) =>
    async (req: Request, res: Response, next: NextFunction) => {
      const fail = (error: RestError) => sendRestError(res, error, res.locals.requestId as string);
      const caller = await callerOf(req, 'bearer', scope, options.authenticate);
      if ('error' in caller) return fail(caller.error);
      res.setHeader('Cache-Control', 'no-store');
      setRateLimitHeaders(res, await options.budget(caller.principal));
      try {
        const refused = await handle(caller.principal, req, res);
        if (refused) fail(refused);
      } catch (error) {
        answerRefusal(res, next, error);
      }
    };
  const pathOf = <T extends z.ZodType>(req: Request, schema: T): { data: z.infer<T> } | { error: RestError } => {
    const parsed = schema.safeParse(req.params);
    return parsed.success
      ? { data: parsed.data }
      : { error: restError(400, 'Validation error', issues(parsed.error, 'path')) };
  };
  const clientId = (req: Request): { id: string } | { error: RestError } => {
    const path = pathOf(req, clientIdParam);
    return 'error' in path ? path : { id: path.data.client_id };
  };
  const context = (principal: Principal, res: Response) => ({ principal, requestId: res.locals.requestId as string });
  const keysPath = POS_KEYS_PATH.replace('{program_id}', ':program_id');
  const { clientsAdmin } = PERSON_SCOPES;

  router.get(
    API_CLIENTS_PATH,
    route(clientsAdmin, async (principal, _req, res) => {
      const [clients, grantable] = await Promise.all([
        options.service.listClients(principal),
        options.service.grantableScopes(principal),
      ]);
      res.json({ data: clients.map(clientBody), grantable_scopes: grantable });
      return undefined;
    }),
  );
  router.post(
    API_CLIENTS_PATH,
    route(clientsAdmin, async (principal, req, res) => {
      const body = validBody(req, createBody);
      if ('error' in body) return body.error;
      const issued = await options.service.createClient(principal, body.data);
      res.status(201).json({ ...clientBody(issued.client), client_secret: issued.clientSecret });
      return undefined;
    }),
  );
  router.post(
    `${API_CLIENTS_PATH}/:client_id`,
    route(clientsAdmin, async (principal, req, res) => {
      const id = clientId(req);
      if ('error' in id) return id.error;
      const body = validBody(req, updateBody);
      if ('error' in body) return body.error;
      res.json(clientBody(await options.service.updateClient(principal, id.id, body.data)));
      return undefined;
    }),
  );
  router.post(
    `${API_CLIENTS_PATH}/:client_id/rotate-secret`,
    route(clientsAdmin, async (principal, req, res) => {
      const id = clientId(req);
      if ('error' in id) return id.error;
      const body = validBody(req, rotateBody);
      if ('error' in body) return body.error;
      const issued = await options.service.rotateClientSecret(principal, id.id, {
        overlapSeconds: body.data.overlap_seconds,
      });
      res.json({ ...clientBody(issued.client), client_secret: issued.clientSecret });
      return undefined;
    }),
  );
  router.get(
    AUDIT_EVENTS_PATH,
    route(clientsAdmin, async (principal, req, res) => {
      const query = auditQuery.safeParse(req.query);
      if (!query.success) return restError(400, 'Validation error', issues(query.error, 'query'));
      res.json({ data: (await options.service.auditTrail(principal, query.data.limit)).map(auditBody) });
      return undefined;
    }),
  );
  router.get(
    keysPath,
    route(SCOPES.loyaltyAdmin, async (principal, req, res) => {
      const path = pathOf(req, programParam);
      if ('error' in path) return path.error;
      const keys = await options.posKeys.list(context(principal, res), path.data.program_id);
      res.json({ data: keys.map(posKeyBody) });
      return undefined;
    }),
  );
  router.post(
    keysPath,
    route(SCOPES.loyaltyAdmin, async (principal, req, res) => {
      const path = pathOf(req, programParam);
      if ('error' in path) return path.error;
      const body = validBody(req, issueKeyBody);
      if ('error' in body) return body.error;
      const issued = await options.posKeys.issue(context(principal, res), path.data.program_id, body.data.label);
      res.status(201).json({ ...posKeyBody(issued.key), key: issued.secret });
      return undefined;
    }),
  );
  router.post(
    `${keysPath}/:key_id/revoke`,
    route(SCOPES.loyaltyAdmin, async (principal, req, res) => {
      const path = pathOf(req, posKeyParams);
      if ('error' in path) return path.error;
      const key = await options.posKeys.revoke(context(principal, res), path.data.program_id, path.data.key_id);
      res.json(posKeyBody(key));
      return undefined;
    }),
  );
  return router;
}

/**
 * Who may call: the portal's session (the person's role gives the scope), and, where a client may hold the scope
 * (tilt/loyalty:admin), a partner's M2M token with it. Managing API clients is a person's alone.
 */
const personSecurity = (scope: string): Array<Record<string, string[]>> =>
  scope === PERSON_SCOPES.clientsAdmin ? [{ portalSession: [] }] : [{ portalSession: [] }, { oauth2: [scope] }];
const PERSON_ONLY = 'Forbidden – not a partner’s person signed in to the portal, or your role lacks';

/** The routes in the OpenAPI document, as the route table's routes are described. */
export const credentialRouteDocs: DocumentedRoute[] = [
  {
    method: 'get',
    path: API_CLIENTS_PATH,
    operationId: 'listApiClients',
    summary: 'List your partner’s API clients',
    description:
      'Every M2M client of your partner, disabled ones included, oldest first, and the scopes you may grant.',
    tags: ['API clients'],
    scope: PERSON_SCOPES.clientsAdmin,
    security: personSecurity(PERSON_SCOPES.clientsAdmin),
    params: z.object({}),
    query: z.object({}),
    errorDescriptions: { 403: `${PERSON_ONLY} ${PERSON_SCOPES.clientsAdmin}` },
    response: { status: 200, description: 'The clients', schema: listSchema },
  },
  {
    method: 'post',
    path: API_CLIENTS_PATH,
    operationId: 'createApiClient',
    summary: 'Create an API client (the secret is shown once)',
    description:
      'A client_credentials client of your partner with the scopes asked for. A scope your role may not grant, or ' +
      'your partner does not hold, refuses the whole request (403 scope_not_grantable, naming each). Audited.',
    tags: ['API clients'],
    scope: PERSON_SCOPES.clientsAdmin,
    security: personSecurity(PERSON_SCOPES.clientsAdmin),
    params: z.object({}),
    query: z.object({}),
    body: createBody,
    errors: [415],
    errorDescriptions: {
      403: `${PERSON_ONLY} ${PERSON_SCOPES.clientsAdmin}; or scope_not_grantable: a scope asked for is not yours to grant`,
    },
    response: { status: 201, description: 'The client and its secret', schema: issuedSchema },
  },
  {
    method: 'post',
    path: `${API_CLIENTS_PATH}/{client_id}`,
    operationId: 'updateApiClient',
    summary: 'Rename, disable or enable an API client',
    description:
      'A disabled client gets no token, and the tokens it holds stop working within the gateway’s credential ' +
      'cache (30 seconds by default). Audited.',
    tags: ['API clients'],
    scope: PERSON_SCOPES.clientsAdmin,
    security: personSecurity(PERSON_SCOPES.clientsAdmin),
    params: clientIdParam,
    query: z.object({}),
    body: updateBody,
    notFoundMessage: 'API client not found',
    errors: [415],
    errorDescriptions: { 403: `${PERSON_ONLY} ${PERSON_SCOPES.clientsAdmin}` },
    response: { status: 200, description: 'The client', schema: clientSchema },
  },
  {
    method: 'post',
    path: `${API_CLIENTS_PATH}/{client_id}/rotate-secret`,
    operationId: 'rotateApiClientSecret',
    summary: 'Rotate an API client’s secret (the new one is shown once)',
    description:
      'The current secret keeps working for overlap_seconds beside the new one (default 24 hours, at most 7 days, ' +
      '0 for none); at most two secrets work at any time. Audited.',
    tags: ['API clients'],
    scope: PERSON_SCOPES.clientsAdmin,
    security: personSecurity(PERSON_SCOPES.clientsAdmin),
    params: clientIdParam,
    query: z.object({}),
    body: rotateBody,
    notFoundMessage: 'API client not found',
    errors: [415],
    errorDescriptions: { 403: `${PERSON_ONLY} ${PERSON_SCOPES.clientsAdmin}` },
    response: { status: 200, description: 'The client and its new secret', schema: issuedSchema },
  },
  {
    method: 'get',
    path: AUDIT_EVENTS_PATH,
    operationId: 'listAuditEvents',
    summary: 'Your partner’s credential changes, newest first',
    description: 'Who changed which API client or POS key, when, and the record before and after (never a secret).',
    tags: ['API clients'],
    scope: PERSON_SCOPES.clientsAdmin,
    security: personSecurity(PERSON_SCOPES.clientsAdmin),
    params: z.object({}),
    query: auditQuery,
    errorDescriptions: { 403: `${PERSON_ONLY} ${PERSON_SCOPES.clientsAdmin}` },
    response: { status: 200, description: 'The changes', schema: auditSchema },
  },
  {
    method: 'get',
    path: POS_KEYS_PATH,
    operationId: 'listPosKeys',
    summary: 'List a loyalty program’s POS keys',
    description: 'The X-Api-Key credentials of the program’s POS integration, revoked ones included (never the key).',
    tags: ['Loyalty POS keys'],
    scope: SCOPES.loyaltyAdmin,
    security: personSecurity(SCOPES.loyaltyAdmin),
    params: programParam,
    query: z.object({}),
    notFoundMessage: 'Loyalty program not found',
    errors: [503],
    errorDescriptions: { 403: `Forbidden – the caller lacks ${SCOPES.loyaltyAdmin}` },
    response: { status: 200, description: 'The keys', schema: z.object({ data: z.array(posKeySchema) }) },
  },
  {
    method: 'post',
    path: POS_KEYS_PATH,
    operationId: 'issuePosKey',
    summary: 'Issue a POS key for a loyalty program (shown once)',
    description:
      'A new X-Api-Key for the loyalty POS API (POST /webhook/pos, /webhook/redeem, /webhook/coupons/redeem) of ' +
      'this program. Only its SHA-256 is kept. Audited.',
    tags: ['Loyalty POS keys'],
    scope: SCOPES.loyaltyAdmin,
    security: personSecurity(SCOPES.loyaltyAdmin),
    params: programParam,
    query: z.object({}),
    body: issueKeyBody,
    notFoundMessage: 'Loyalty program not found',
    errors: [415, 503],
    errorDescriptions: { 403: `Forbidden – the caller lacks ${SCOPES.loyaltyAdmin}` },
    response: { status: 201, description: 'The key, shown once', schema: issuedKeySchema },
  },
  {
    method: 'post',
    path: `${POS_KEYS_PATH}/{key_id}/revoke`,
    operationId: 'revokePosKey',
    summary: 'Revoke a POS key',
    description:
      'The key stops working within the gateway’s credential cache (30 seconds by default). Revoking a revoked ' +
      'key changes nothing. Audited.',
    tags: ['Loyalty POS keys'],
    scope: SCOPES.loyaltyAdmin,
    security: personSecurity(SCOPES.loyaltyAdmin),
    params: posKeyParams,
    query: z.object({}),
    notFoundMessage: 'Loyalty program or POS key not found',
    errors: [503],
    errorDescriptions: { 403: `Forbidden – the caller lacks ${SCOPES.loyaltyAdmin}` },
    response: { status: 200, description: 'The key', schema: posKeySchema },
  },
];
