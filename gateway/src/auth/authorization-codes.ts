import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuthorizationCode, PortalUser } from '../identity/identity.entities';
import { type TokenSigner, signAccessToken } from './access-tokens';
import type { PortalPerson } from './password-sign-in';
import { PORTAL_ROLE_SCOPES } from './roles';
import { hashBearerSecret } from './secrets';

/**
 * The authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636) for the portal's people, as Cognito's hosted UI
 * offers it: the portal sends the browser to `/oauth2/authorize`, the person signs in there, and the portal's
 * server exchanges the code it gets back at `/oauth2/token` for the person's access token.
 */

/** The one client of this grant: the portal's backend-for-frontend, which the gateway serves itself. */
export const PORTAL_CLIENT_ID = 'pos-portal';
/** Where the portal takes the code, on the gateway's public URL (the only redirect URI registered). */
export const PORTAL_CALLBACK_PATH = '/portal/callback';
export const AUTHORIZATION_CODE_TTL_SECONDS = 60;

/** The portal person a token of this grant names: a custom claim, as partner and role are not standard claims. */
export const PORTAL_PARTNER_CLAIM = 'pos:partner';
export const PORTAL_ROLE_CLAIM = 'pos:role';

/** An authorization request (RFC 6749 §4.1.1) that was checked and may be answered with a code. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  state: string | null;
}

/**
 * Why a request is refused, with its RFC 6749 error code. `redirect` is false when the client or its redirect URI is
 * not known: the error must then be shown to the person, never sent to an unverified URI (§4.1.2.1).
 */
export class AuthorizationError extends Error {
  constructor(
    readonly error: 'invalid_request' | 'unauthorized_client' | 'unsupported_response_type' | 'invalid_grant',
    message: string,
    readonly redirect: boolean,
  ) {
    super(message);
  }
}

export interface PersonTokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** BASE64URL(SHA-256(verifier)): the S256 challenge of a PKCE verifier. */
export const pkceChallenge = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
/** RFC 7636 §4.1: 43 to 128 characters of the unreserved set. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

export class AuthorizationCodes {
  constructor(
    private readonly options: {
      em: () => EntityManager;
      signer: TokenSigner;
      /** The gateway's public URL: the registered redirect URI is on it. */
      publicUrl: string;
      /** Other portals' callbacks this issuer also signs people in for (PORTAL_REDIRECT_URIS). */
      otherRedirectUris?: readonly string[];
      now?: () => Date;
    },
  ) {}

  get redirectUri(): string {
    return new URL(PORTAL_CALLBACK_PATH, this.options.publicUrl).toString();
  }

  /** Every redirect URI registered for the portal's client: the exact strings, compared as such (RFC 9700 §4.1.3). */
  private get redirectUris(): readonly string[] {
    return [this.redirectUri, ...(this.options.otherRedirectUris ?? [])];
  }

  /** Checks the parameters of an authorization request; throws {@link AuthorizationError}. */
  parseRequest(params: Record<string, unknown>): AuthorizationRequest {
    const text = (name: string) => (typeof params[name] === 'string' ? params[name] : undefined);
    const clientId = text('client_id');
    const redirectUri = text('redirect_uri');
    if (clientId !== PORTAL_CLIENT_ID) {
      throw new AuthorizationError('unauthorized_client', 'This application is not known to the sign-in page.', false);
    }
    if (redirectUri === undefined || !this.redirectUris.includes(redirectUri)) {
      throw new AuthorizationError('invalid_request', 'The address to return to is not registered.', false);
    }
    const state = text('state') ?? null;
    if (text('response_type') !== 'code') {
      throw new AuthorizationError('unsupported_response_type', 'response_type must be code', true);
    }
    const codeChallenge = text('code_challenge');
    if (!codeChallenge || !CHALLENGE.test(codeChallenge) || text('code_challenge_method') !== 'S256') {
      throw new AuthorizationError(
        'invalid_request',
        'PKCE is required: code_challenge (43 base64url characters) with code_challenge_method=S256',
        true,
      );
    }
    return { clientId, redirectUri, codeChallenge, state };
  }

  /** The redirect that hands a new code for `person` to the client (with the request's state). */
  async issue(person: PortalPerson, request: AuthorizationRequest): Promise<string> {
    const code = randomBytes(32).toString('base64url');
    const em = this.options.em();
    const row = new AuthorizationCode();
    Object.assign(row, {
      codeHash: hashBearerSecret(code),
      person: em.getReference(PortalUser, person.id),
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      expiresAt: new Date(this.now().getTime() + AUTHORIZATION_CODE_TTL_SECONDS * 1000),
    });
    await em.persistAndFlush(row);
    const target = new URL(request.redirectUri);
    target.searchParams.set('code', code);
    if (request.state !== null) target.searchParams.set('state', request.state);
    return target.toString();
  }

  /**
   * Spends a code (RFC 6749 §4.1.3), whatever the outcome: it must be unexpired, issued to this client for this
   * redirect URI, and match the PKCE verifier; the person must still be active. Answers that person. Every refusal
   * is `invalid_grant` with one message, so a guess learns nothing. The portal's own server calls this in-process;
   * the token endpoint through {@link exchange}.
   */
  async redeem(grant: {
    code: unknown;
    codeVerifier: unknown;
    clientId: unknown;
    redirectUri: unknown;
  }): Promise<PortalUser> {
    const refused = () =>
      new AuthorizationError('invalid_grant', 'The authorization code is invalid or expired', false);
    if (typeof grant.code !== 'string' || !grant.code) throw refused();
    const now = this.now();
    // Spent atomically: of two exchanges of one code, only one finds it unused.
    const [row] = await this.options
      .em()
      .getConnection()
      .execute<
        { person_id: string; client_id: string; redirect_uri: string; code_challenge: string; expires_at: Date }[]
      >(
        `update identity.authorization_code set used_at = ? where code_hash = ? and used_at is null
         returning person_id, client_id, redirect_uri, code_challenge, expires_at`,
        [now, hashBearerSecret(grant.code)],
      );
    if (
      !row ||
      new Date(row.expires_at) <= now ||
      grant.clientId !== row.client_id ||
      grant.redirectUri !== row.redirect_uri ||
      typeof grant.codeVerifier !== 'string' ||
      !VERIFIER.test(grant.codeVerifier) ||
      pkceChallenge(grant.codeVerifier) !== row.code_challenge
    ) {
      throw refused();
    }
    const person = await this.options.em().findOne(PortalUser, { id: row.person_id, active: true });
    if (!person) throw refused();
    return person;
  }

  /** `grant_type=authorization_code` at the token endpoint: {@link redeem}, answered with the person's access token. */
  async exchange(grant: Parameters<AuthorizationCodes['redeem']>[0]): Promise<PersonTokenResponse> {
    const person = await this.redeem(grant);
    const scope = PORTAL_ROLE_SCOPES[person.role].join(' ');
    const accessToken = await signAccessToken(this.options.signer, person.id, {
      client_id: PORTAL_CLIENT_ID,
      username: person.email,
      scope,
      [PORTAL_PARTNER_CLAIM]: person.partner.id,
      [PORTAL_ROLE_CLAIM]: person.role,
    });
    return { access_token: accessToken, token_type: 'Bearer', expires_in: this.options.signer.tokenTtlSeconds, scope };
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}
