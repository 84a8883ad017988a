import { type Principal, SCOPES } from '@pos/kit';
import { type Request, Router } from 'express';
import { z } from 'zod';
import {
  type ExchangedLaunch,
  LAUNCH_TOKEN_PATTERN,
  LAUNCH_TOKEN_TTL_SECONDS,
  type LaunchService,
  type MintedLaunchToken,
} from '../../auth/launch';
import { DEFAULT_ROLE_SLUG, ROLE_SCOPES, type RoleSlug } from '../../auth/roles';
import { type OperationCost, setRateLimitHeaders } from '../../hardening/cost';
import { timestamp } from '../common';
import { type RestError, sendRestError } from '../errors';
import type { DocumentedRoute } from '../openapi';
import { answerRefusal, callerOf, validBody } from '../router';

/**
 * The REST side of SSO launch links (the rules are in auth/launch.ts). These two routes are the gateway's own
 * business, not the graph's, so they are not in the route table (one GraphQL operation per route): they are mounted
 * beside it, validate with zod and answer errors through the same mapping (rest/errors.ts) and body as every v1
 * route, and are described in the OpenAPI document by {@link launchRouteDocs}.
 */

export const LAUNCH_TOKENS_PATH = '/pos/v1/launch-tokens';
export const LAUNCH_EXCHANGE_PATH = '/pos/v1/public/launch-exchange';

const roleSlugs = Object.keys(ROLE_SCOPES) as [RoleSlug, ...RoleSlug[]];

const mintBody = z
  .object({
    location_id: z
      .number()
      .int()
      .positive()
      .describe('One of the caller’s locations: the only location the session will open'),
    email: z
      // Only the format's message is ours: a missing email reads as any missing field does.
      .email({ error: (issue) => (issue.code === 'invalid_format' ? 'must be an email address' : undefined) })
      .max(254)
      .describe('The person’s email; the POS user is found or provisioned by it (case-insensitive)'),
    name: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .nullable()
      .optional()
      .describe('The name of a user the exchange provisions (default: the email’s local part)'),
    role_slug: z
      .enum(roleSlugs)
      .default(DEFAULT_ROLE_SLUG)
      .describe('The role the user gets at the location if it holds none there; an existing role is kept'),
  })
  .strict();

const mintResponse = z.object({
  token: z.string().describe('The launch token (`lt_…`); shown once, valid 10 minutes, usable once'),
  launch_url: z.string().describe('The POS app’s launch page with the token in the URL fragment'),
  expires_at: timestamp(),
  expires_in: z.number().int().describe('Seconds the token stays valid (600)'),
  location_id: z.number().int(),
  email: z.string().describe('Normalised (lower-case)'),
  role_slug: z.enum(roleSlugs),
});

const exchangeBody = z
  .object({
    token: z
      .string()
      .regex(LAUNCH_TOKEN_PATTERN, 'not a launch token (lt_ and 43 base64url characters)')
      .describe('The launch token from the launch link'),
    location_id: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('The location the POS app runs at; a token of another location is refused (422 location_mismatch)'),
  })
  .strict();

const exchangeResponse = z.object({
  access_token: z.string().describe('RS256 JWT of the POS user, for this location only, carrying the session (sid)'),
  refresh_token: z.string().describe('`rt_…`: POST /oauth2/token grant_type=refresh_token; rotated on every use'),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().describe('Seconds the access token lives'),
  scope: z.string().describe('Space-separated scopes of the role'),
  session_id: z.string().describe('The session (UUID), the access token’s sid'),
  session_expires_at: timestamp().describe('Until when the refresh token can be used (12 hours after the launch)'),
  location_id: z.number().int(),
  role: z.enum(roleSlugs).describe('The user’s role at the location'),
  user: z.object({
    id: z.string().describe('The POS user (UUID)'),
    email: z.string(),
    name: z.string(),
    created: z.boolean().describe('Whether this exchange provisioned the user'),
  }),
});

const mintedBody = (minted: MintedLaunchToken): z.infer<typeof mintResponse> => ({
  token: minted.token,
  launch_url: minted.launchUrl,
  expires_at: minted.expiresAt.toISOString(),
  expires_in: minted.expiresIn,
  location_id: minted.locationId,
  email: minted.email,
  role_slug: minted.roleSlug,
});

const exchangedBody = (session: ExchangedLaunch): z.infer<typeof exchangeResponse> => ({
  access_token: session.accessToken,
  refresh_token: session.refreshToken,
  token_type: 'Bearer',
  expires_in: session.expiresIn,
  scope: session.scope,
  session_id: session.sessionId,
  session_expires_at: session.sessionExpiresAt.toISOString(),
  location_id: session.locationId,
  role: session.role,
  user: { ...session.user, created: session.userCreated },
});

export interface LaunchRouterOptions {
  service: LaunchService;
  /** Verifies the request's Bearer token as every route does; throws when it is missing or invalid. */
  authenticate(req: Request): Promise<Principal>;
  /** Where the caller's cost budget stands (the minting's location check spent from it): the RateLimit headers. */
  budget(principal: Principal): OperationCost | Promise<OperationCost>;
}

export function launchRouter(options: LaunchRouterOptions): Router {
  const router = Router();
  router.post(LAUNCH_TOKENS_PATH, async (req, res, next) => {
    const requestId = res.locals.requestId as string;
    const fail = (error: RestError) => sendRestError(res, error, requestId);
    const caller = await callerOf(req, 'bearer', SCOPES.posLaunch, options.authenticate);
    if ('error' in caller) return fail(caller.error);
    const { principal } = caller;
    const body = validBody(req, mintBody);
    if ('error' in body) return fail(body.error);
    // The location check the minting runs spends from the caller's budget, as a route table route's operation does.
    try {
      const minted = await options.service.mint(
        { principal, requestId },
        {
          locationId: body.data.location_id,
          email: body.data.email,
          name: body.data.name,
          roleSlug: body.data.role_slug,
        },
      );
      setRateLimitHeaders(res, await options.budget(principal));
      res.setHeader('Cache-Control', 'no-store');
      res.status(201).json(mintedBody(minted));
    } catch (error) {
      setRateLimitHeaders(res, await options.budget(principal));
      answerRefusal(res, next, error);
    }
  });

  router.post(LAUNCH_EXCHANGE_PATH, async (req, res, next) => {
    const body = validBody(req, exchangeBody);
    if ('error' in body) return sendRestError(res, body.error, res.locals.requestId as string);
    try {
      const session = await options.service.exchange({ token: body.data.token, locationId: body.data.location_id });
      res.setHeader('Cache-Control', 'no-store');
      res.status(200).json(exchangedBody(session));
    } catch (error) {
      answerRefusal(res, next, error);
    }
  });
  return router;
}

/** The two routes in the OpenAPI document, as the route table's routes are described. */
export const launchRouteDocs: DocumentedRoute[] = [
  {
    method: 'post',
    path: LAUNCH_TOKENS_PATH,
    operationId: 'createLaunchToken',
    summary: 'Create an SSO launch link for a person at one of your locations',
    description:
      `A single-use launch token, valid ${LAUNCH_TOKEN_TTL_SECONDS / 60} minutes, and the POS app's launch URL ` +
      'carrying it. Only M2M clients (scope tilt/pos:launch) may create them. The token is shown once; the gateway ' +
      'keeps only its SHA-256.',
    tags: ['SSO launch links'],
    scope: SCOPES.posLaunch,
    security: [{ oauth2: [SCOPES.posLaunch] }],
    params: z.object({}),
    query: z.object({}),
    body: mintBody,
    notFoundMessage: 'Location not found',
    errors: [415, 503],
    errorDescriptions: {
      403: 'Forbidden – the token lacks tilt/pos:launch (POS user tokens never hold it)',
      404: 'Not found – location_id is not one of your locations',
    },
    response: { status: 201, description: 'The launch token and link', schema: mintResponse },
  },
  {
    method: 'post',
    path: LAUNCH_EXCHANGE_PATH,
    operationId: 'exchangeLaunchToken',
    summary: 'Exchange a launch token for a POS user session (public: the token is the credential)',
    description:
      'Works once. Provisions the partner’s POS user on the first launch for the email (with role_slug at the ' +
      'location), reuses it afterwards (a user without a role at the location gets role_slug there; an existing ' +
      'role is kept). A second exchange of the same token is refused with token_reused and revokes the session the ' +
      'first one opened. The session opens the token’s location only; refresh it at POST /oauth2/token with ' +
      'grant_type=refresh_token.',
    tags: ['SSO launch links'],
    security: [],
    params: z.object({}),
    query: z.object({}),
    body: exchangeBody,
    errors: [415, 422],
    errorDescriptions: {
      400: 'Bad Request – malformed JSON, a missing field, or a token not of the launch token’s shape',
      401: 'Unauthorized – invalid_token (unknown or forged, or its client disabled), token_expired, token_reused',
      403: 'Forbidden – user_inactive: the POS user is deactivated',
      422: 'Unprocessable – location_mismatch: the token is for another location than location_id',
    },
    response: { status: 200, description: 'The session’s tokens and the user', schema: exchangeResponse },
  },
];
