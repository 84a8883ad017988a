import type { EntityManager } from '@mikro-orm/postgresql';
import { type JWTPayload, createRemoteJWKSet, jwtVerify } from 'jose';
import { PortalUser, normalizeEmail } from '../identity/identity.entities';
import { AuthorizationError } from './authorization-codes';

/** The issuer could not be asked (down, unreachable, too slow): not the person's fault, so not a refusal. */
export class IssuerUnavailable extends Error {}

/**
 * The portal's sign-in at an external issuer (a Cognito user pool's hosted UI, or another deployment's built-in
 * issuer): the portal sends the browser to the issuer's authorization endpoint with PKCE, as it does its own, and its
 * server exchanges the code at the issuer's token endpoint. The tokens that come back are verified as every token
 * is, against the issuer's key set with RS256 pinned and the issuer named; the person is the portal person with the
 * token's email (`email`, an ID token's, or `username`, as the built-in issuer and Cognito's access tokens carry it).
 * Who may do what stays here: the issuer proves who the person is, the identity schema says what they are.
 */
export class ExternalSignIn {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    private readonly options: {
      em: () => EntityManager;
      authorizeUrl: string;
      tokenUrl: string;
      clientId: string;
      issuer: string;
      jwksUrl: string;
    },
  ) {
    this.keys = createRemoteJWKSet(new URL(options.jwksUrl));
  }

  get authorizeUrl(): string {
    return this.options.authorizeUrl;
  }

  get clientId(): string {
    return this.options.clientId;
  }

  /** Exchanges the code (RFC 6749 §4.1.3 with the PKCE verifier) for the person it signed in; refusals throw. */
  async redeem(code: unknown, verifier: string, redirectUri: string): Promise<PortalUser> {
    const refused = () => new AuthorizationError('invalid_grant', 'The issuer did not sign this person in', false);
    if (typeof code !== 'string' || !code) throw refused();
    let response: Response;
    try {
      response = await fetch(this.options.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          code_verifier: verifier,
          client_id: this.options.clientId,
          redirect_uri: redirectUri,
        }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new IssuerUnavailable('The issuer’s token endpoint did not answer', { cause: error });
    }
    if (!response.ok) throw refused();
    const tokens = (await response.json()) as { id_token?: unknown; access_token?: unknown };
    const token = typeof tokens.id_token === 'string' ? tokens.id_token : tokens.access_token;
    if (typeof token !== 'string') throw refused();
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, this.keys, {
        issuer: this.options.issuer,
        algorithms: ['RS256'],
      }));
    } catch {
      throw refused();
    }
    const email = typeof claims.email === 'string' ? claims.email : claims.username;
    if (typeof email !== 'string' || !email) throw refused();
    const person = await this.options.em().findOne(PortalUser, { email: normalizeEmail(email), active: true });
    if (!person) throw refused();
    return person;
  }
}
