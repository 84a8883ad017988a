import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '@pos/kit';
import { PortalSession, PortalUser } from '../identity/identity.entities';
import { type PortalPerson, portalPersonOf } from './password-sign-in';
import { PORTAL_ROLE_SCOPES } from './roles';
import { hashBearerSecret } from './secrets';

/**
 * The portal's sessions (the backend-for-frontend pattern of OAuth 2.0 for Browser-Based Apps): after the
 * authorization code sign-in, the gateway, which serves the pages and the API alike, keeps the session and gives the
 * browser only its random id, in an HttpOnly cookie. No access or refresh token ever reaches the browser's script,
 * storage or a URL, so there is nothing for an injected script to steal and carry elsewhere. A session ends after
 * `idleSeconds` without a request, `absoluteSeconds` after sign-in, or at sign-out.
 */
export const PORTAL_SESSION_LIMITS = { idleSeconds: 30 * 60, absoluteSeconds: 12 * 60 * 60 } as const;

export interface ResolvedSession {
  person: PortalPerson;
  principal: Principal;
  /** When it ends if no request comes first (idle), or at the latest (absolute). */
  expiresAt: Date;
}

/** A lastUsedAt younger than this is not written again: one write a minute per session at most. */
const TOUCH_INTERVAL_MS = 60_000;

/** The principal a portal person acts as: their partner's, with their role's scopes, at every location. */
export function personPrincipal(person: PortalPerson): Principal {
  return {
    tenantId: person.partnerId,
    subject: person.id,
    kind: 'person',
    // As for a POS user, the app is not the caller: the person is (subject), and what they do is recorded as theirs.
    clientId: null,
    scopes: [...PORTAL_ROLE_SCOPES[person.role]],
    locationIds: null,
  };
}

export class PortalSessions {
  constructor(
    private readonly options: {
      em: () => EntityManager;
      now?: () => Date;
      limits?: { idleSeconds: number; absoluteSeconds: number };
    },
  ) {}

  private get limits() {
    return this.options.limits ?? PORTAL_SESSION_LIMITS;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Opens a session for a signed-in person; answers the id the cookie carries (shown once, kept only hashed). */
  async open(person: PortalUser): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = this.now();
    const em = this.options.em();
    const session = new PortalSession();
    Object.assign(session, {
      tokenHash: hashBearerSecret(token),
      person: em.getReference(PortalUser, person.id),
      createdAt: now,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + this.limits.absoluteSeconds * 1000),
    });
    await em.persistAndFlush(session);
    return token;
  }

  /** The live session of a cookie's id, or null: unknown, revoked, expired, idle too long, or its person disabled. */
  async resolve(token: string | null): Promise<ResolvedSession | null> {
    if (!token) return null;
    const em = this.options.em();
    const session = await em.findOne(
      PortalSession,
      { tokenHash: hashBearerSecret(token), revokedAt: null },
      { populate: ['person'] },
    );
    const now = this.now();
    if (!session || !session.person.active || session.expiresAt <= now) return null;
    const idleEnd = new Date(session.lastUsedAt.getTime() + this.limits.idleSeconds * 1000);
    if (idleEnd <= now) return null;
    if (now.getTime() - session.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS) {
      session.lastUsedAt = now;
      await em.flush();
    }
    const person = portalPersonOf(session.person);
    const nextIdleEnd = new Date(session.lastUsedAt.getTime() + this.limits.idleSeconds * 1000);
    return {
      person,
      principal: personPrincipal(person),
      expiresAt: nextIdleEnd < session.expiresAt ? nextIdleEnd : session.expiresAt,
    };
  }

  /** Ends the session of a cookie's id (sign-out); an unknown or ended one is left as it is. */
  async revoke(token: string | null): Promise<void> {
    if (!token) return;
    await this.options
      .em()
      .getConnection()
      .execute(`update identity.portal_session set revoked_at = ? where token_hash = ? and revoked_at is null`, [
        this.now(),
        hashBearerSecret(token),
      ]);
  }
}
