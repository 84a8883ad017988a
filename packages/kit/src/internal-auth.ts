import { SignJWT, jwtVerify } from 'jose';

/**
 * What the gateway proved about the caller, carried to the subgraphs. Subgraphs never trust a bare header: the
 * context travels as a short-lived HS256 JWT signed with INTERNAL_JWT_SECRET, and they verify it with the
 * algorithm pinned, the issuer and the audience checked.
 */
export interface Principal {
  /** The partner (tenant) every read and write is scoped to. */
  tenantId: string;
  /**
   * Who acts: the M2M client id, the POS user's id for human tokens, the loyalty org's id for its POS API key, the
   * loyalty customer's id for their dashboard key.
   */
  subject: string;
  kind: PrincipalKind;
  clientId: string | null;
  scopes: string[];
  /**
   * The locations this caller may act on: null for a partner's M2M client (every location of the tenant), the
   * locations of its roles for a POS user. Services treat a location outside this list as not found.
   */
  locationIds: number[] | null;
}

export const PRINCIPAL_KINDS = ['m2m', 'user', 'loyaltyOrg', 'loyaltyCustomer'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];
const isPrincipalKind = (value: unknown): value is PrincipalKind => PRINCIPAL_KINDS.includes(value as PrincipalKind);

export const INTERNAL_CONTEXT_HEADER = 'x-pos-context';
export const REQUEST_ID_HEADER = 'x-request-id';
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

/** Returns the principal, or null when the token is missing, forged, expired or for another audience. */
export async function verifyInternalContext(
  secret: string,
  token: string | undefined | null,
): Promise<Principal | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: 'pos-ctx+jwt',
    });
    if (typeof payload.ten !== 'string' || typeof payload.sub !== 'string' || !isPrincipalKind(payload.knd)) {
      return null;
    }
    return {
      tenantId: payload.ten,
      subject: payload.sub,
      kind: payload.knd,
      clientId: typeof payload.cid === 'string' ? payload.cid : null,
      scopes: typeof payload.scp === 'string' && payload.scp ? payload.scp.split(' ') : [],
      locationIds: Array.isArray(payload.loc) ? payload.loc.filter((l): l is number => Number.isSafeInteger(l)) : null,
    };
  } catch {
    return null;
  }
}

/** A stable key for "the same caller scope", used to share identical upstream subscriptions. */
export function principalScopeKey(principal: Principal): string {
  const locations = principal.locationIds ? [...principal.locationIds].sort((a, b) => a - b).join(',') : '*';
  return `${principal.tenantId}|${principal.kind}|${principal.subject}|${[...principal.scopes].sort().join(' ')}|${locations}`;
}
