import { SignJWT, jwtVerify } from 'jose';
import { cachedTokenCheck } from './token-cache';

/**
 * What the gateway proved about the caller, carried to the subgraphs. Subgraphs never trust a bare header: the
 * context travels as a short-lived HS256 JWT signed with INTERNAL_JWT_SECRET, and they verify it with the
 * algorithm pinned, the issuer and the audience checked.
 */
export interface Principal {
  /** The partner (tenant) every read and write is scoped to. */
  tenantId: string;
  /**
   * Who acts: the M2M client id, the POS user's id for human tokens, the portal person's id (`person`: a partner's
   * admin or developer, an operator, signed in to the portal), the loyalty org's id for its POS API key, the
   * loyalty customer's id for their dashboard key.
   */
  subject: string;
  kind: PrincipalKind;
  clientId: string | null;
  scopes: string[];
  /**
   * The locations this caller may act on: null for a partner's M2M client and a portal person (every location of
   * the tenant), the locations of its roles for a POS user. Services treat a location outside this list as not found.
   */
  locationIds: number[] | null;
}

export const PRINCIPAL_KINDS = ['m2m', 'user', 'person', 'loyaltyOrg', 'loyaltyCustomer'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];
const isPrincipalKind = (value: unknown): value is PrincipalKind => PRINCIPAL_KINDS.includes(value as PrincipalKind);

export const INTERNAL_CONTEXT_HEADER = 'x-pos-context';
export const REQUEST_ID_HEADER = 'x-request-id';
/** On a batch of the gateway's reads: the request id of each operation in it (x-request-id is the first's). */
export const BATCH_REQUEST_IDS_HEADER = 'x-batch-request-ids';
const ISSUER = 'pos-gateway';
const AUDIENCE = 'pos-subgraphs';
const ALGORITHM = 'HS256';

const keyCache = new Map<string, Uint8Array>();
function keyOf(secret: string): Uint8Array {
  let key = keyCache.get(secret);
  if (!key) {
    key = new TextEncoder().encode(secret);
    keyCache.set(secret, key);
  }
  return key;
}

export async function signInternalContext(secret: string, principal: Principal, ttlSeconds = 300): Promise<string> {
  return new SignJWT({
    ten: principal.tenantId,
    knd: principal.kind,
    cid: principal.clientId,
    scp: principal.scopes.join(' '),
    loc: principal.locationIds,
  })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'pos-ctx+jwt' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(principal.subject)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(keyOf(secret));
}

/** The principal a valid internal context names, and when that context expires; throws when it is not valid. */
async function checkInternalContext(
  secret: string,
  token: string,
): Promise<{ principal: Principal; expiresAtMs: number }> {
  const { payload } = await jwtVerify(token, keyOf(secret), {
    algorithms: [ALGORITHM],
    issuer: ISSUER,
    audience: AUDIENCE,
    typ: 'pos-ctx+jwt',
    requiredClaims: ['exp'],
  });
  if (typeof payload.ten !== 'string' || typeof payload.sub !== 'string' || !isPrincipalKind(payload.knd)) {
    throw new Error('not an internal context');
  }
  return {
    principal: {
      tenantId: payload.ten,
      subject: payload.sub,
      kind: payload.knd,
      clientId: typeof payload.cid === 'string' ? payload.cid : null,
      scopes: typeof payload.scp === 'string' && payload.scp ? payload.scp.split(' ') : [],
      locationIds: Array.isArray(payload.loc) ? payload.loc.filter((l): l is number => Number.isSafeInteger(l)) : null,
    },
    expiresAtMs: payload.exp! * 1000,
  };
}

/**
 * A subgraph server's check of the signed context: the principal, or null when the token is missing, forged,
 * expired or for another audience. The gateway sends the same signed context with every fetch of a caller for
 * minutes (it signs one per caller scope for half its lifetime), so a context verified lately is not verified again
 * (an HMAC and a JSON parse per request) until it expires or a minute has passed.
 */
export function internalContextVerifier(
  secret: string,
): (token: string | undefined | null) => Promise<Principal | null> {
  const check = cachedTokenCheck(
    (token: string) => checkInternalContext(secret, token),
    (verified) => verified.expiresAtMs,
    60_000,
  );
  return (token) =>
    token
      ? check(token).then(
          ({ principal }) => principal,
          () => null,
        )
      : Promise.resolve(null);
}

const scopeKeys = new WeakMap<Principal, string>();

/**
 * A stable key for "the same caller scope": what shared subscriptions, shared reads in flight and the signed context
 * cache key on. Worked out once per principal object (principals are never changed once made, and the gateway's
 * verifier hands out the same one for a token it has verified lately).
 */
export function principalScopeKey(principal: Principal): string {
  let key = scopeKeys.get(principal);
  if (key === undefined) {
    const locations = principal.locationIds ? [...principal.locationIds].sort((a, b) => a - b).join(',') : '*';
    key = `${principal.tenantId}|${principal.kind}|${principal.subject}|${[...principal.scopes].sort().join(' ')}|${locations}`;
    scopeKeys.set(principal, key);
  }
  return key;
}
