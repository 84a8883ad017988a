import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { type KeyStore, SIGNING_ALGORITHM } from './keys';

/** What every access token of the built-in issuer is signed with. */
export interface TokenSigner {
  issuer: string;
  keys: KeyStore;
  tokenTtlSeconds: number;
}

/**
 * Signs an access token with the claims both kinds of token share (Cognito's): RS256 with the active key, `iss`,
 * `sub`, `token_use: access`, `version: 2`, `iat`, `exp` and a fresh `jti`.
 */
export function signAccessToken(
  signer: TokenSigner,
  subject: string,
  claims: Record<string, unknown>,
): Promise<string> {
  return new SignJWT({ ...claims, token_use: 'access', version: 2 })
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: signer.keys.active.kid, typ: 'JWT' })
    .setIssuer(signer.issuer)
    .setSubject(subject)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(`${signer.tokenTtlSeconds}s`)
    .sign(signer.keys.active.privateKey);
}
