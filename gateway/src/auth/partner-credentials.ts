import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Clock, DomainError, ErrorCode, type Principal } from '@pos/kit';
import { ApiClient, Partner, type PortalUser } from '../identity/identity.entities';
import { type AuditActor, type AuditEntry, auditActor, auditTrail, personRequired, recordAudit } from './audit';
import { GRANTABLE_SCOPES } from './roles';
import { hashSecret, verifySecret } from './secrets';

/**
 * A partner's M2M API clients, managed by its people from the portal (the REST routes of rest/v1/credentials.ts):
 * the rules live here.
 *
 * - A person grants a client at most what their role may grant ({@link GRANTABLE_SCOPES}) and what the platform has
 *   granted their partner (Partner.grantedScopes): a developer cannot make a loyalty administrator, and nobody makes
 *   an operator. Asking for more is refused as a whole, naming each scope, rather than silently narrowed.
 * - The secret is shown once, at creation and at each rotation; only its scrypt hash is kept. A rotation keeps the
 *   previous secret working for an overlap the person chooses (0 to 7 days, default 24 hours), so that every copy of
 *   the integration can take the new one without an outage; a later rotation ends the earlier overlap.
 * - A disabled client gets no token, and its tokens stop working within the verifier's lookup cache
 *   (AUTH_CACHE_TTL_SECONDS). Clients are never deleted: the audit trail and the payments they made name them.
 * - Every change is audited (who, when, the record before and after, never a secret).
 */

export const SECRET_OVERLAP = { defaultSeconds: 24 * 3600, maxSeconds: 7 * 24 * 3600 } as const;

/** What the API and the portal show of a client: never its secret or hash. */
export interface ApiClientView {
  clientId: string;
  name: string;
  scopes: string[];
  active: boolean;
  createdAt: Date;
  /** Until when the secret before the last rotation still works; null when it no longer does. */
  previousSecretExpiresAt: Date | null;
}

export interface IssuedClientSecret {
  client: ApiClientView;
  clientSecret: string;
}

type PersonActor = AuditActor & { person: PortalUser };

const notFound = () => new DomainError(ErrorCode.NOT_FOUND, 'API client not found');

export class PartnerCredentials {
  constructor(private readonly deps: { em: () => EntityManager; clock: Clock }) {}

  /** The scopes `principal` may give a client: their role's grantable scopes that their partner holds. */
  async grantableScopes(principal: Principal): Promise<string[]> {
    const em = this.deps.em();
    const { person } = await this.actor(em, principal);
    return grantable(person);
  }

  async listClients(principal: Principal): Promise<ApiClientView[]> {
    const em = this.deps.em();
    await this.actor(em, principal);
    const clients = await em.find(
      ApiClient,
      { partner: principal.tenantId },
      { orderBy: { createdAt: 'asc', clientId: 'asc' } },
    );
    return clients.map((client) => this.view(client));
  }

  async createClient(principal: Principal, input: { name: string; scopes: string[] }): Promise<IssuedClientSecret> {
    const em = this.deps.em();
    const actor = await this.actor(em, principal);
    const scopes = [...new Set(input.scopes)];
    const allowed = grantable(actor.person);
    const refused = scopes.filter((scope) => !allowed.includes(scope));
    if (refused.length) {
      throw new DomainError(
        ErrorCode.FORBIDDEN,
        'You cannot grant every scope asked for',
        refused.map(
          (scope) =>
            `scopes: ${scope} is not yours to grant (your role and your partner allow ${allowed.join(', ') || 'none'})`,
        ),
        'scope_not_grantable',
      );
    }
    const clientSecret = newClientSecret();
    const client = Object.assign(new ApiClient(), {
      clientId: newClientId(),
      partner: em.getReference(Partner, principal.tenantId),
      name: input.name,
      secretHash: await hashSecret(clientSecret),
      allowedScopes: scopes.join(' '),
      createdAt: this.deps.clock.now(),
    });
    em.persist(client);
    this.audit(em, actor, 'api_client.created', client, null, this.record(client));
    await em.flush();
    return { client: this.view(client), clientSecret };
  }

  /** Renames, disables or enables a client. */
  async updateClient(
    principal: Principal,
    clientId: string,
    input: { name?: string; active?: boolean },
  ): Promise<ApiClientView> {
    const em = this.deps.em();
    const actor = await this.actor(em, principal);
    const client = await this.client(em, principal, clientId);
    const before = this.record(client);
    if (input.name !== undefined) client.name = input.name;
    if (input.active !== undefined) client.active = input.active;
    const after = this.record(client);
    if (JSON.stringify(before) !== JSON.stringify(after)) {
      const action =
        before.active === after.active
          ? 'api_client.updated'
          : after.active
            ? 'api_client.enabled'
            : 'api_client.disabled';
      this.audit(em, actor, action, client, before, after);
      await em.flush();
    }
    return this.view(client);
  }

  /**
   * A new secret for the client; the current one keeps working for `overlapSeconds` (0: not at all). The secret
   * before that, if its overlap had not ended, stops now: at most two secrets work at any time.
   */
  async rotateClientSecret(
    principal: Principal,
    clientId: string,
    input: { overlapSeconds: number },
  ): Promise<IssuedClientSecret> {
    const em = this.deps.em();
    const actor = await this.actor(em, principal);
    const client = await this.client(em, principal, clientId);
    const before = this.record(client);
    const clientSecret = newClientSecret();
    const now = this.deps.clock.now();
    client.previousSecretHash = input.overlapSeconds > 0 ? client.secretHash : null;
    client.previousSecretExpiresAt =
      input.overlapSeconds > 0 ? new Date(now.getTime() + input.overlapSeconds * 1000) : null;
    client.secretHash = await hashSecret(clientSecret);
    this.audit(em, actor, 'api_client.secret_rotated', client, before, this.record(client));
    await em.flush();
    return { client: this.view(client), clientSecret };
  }

  /** The partner's credential changes (API clients and POS keys), newest first. */
  async auditTrail(principal: Principal, limit: number): Promise<AuditEntry[]> {
    const em = this.deps.em();
    await this.actor(em, principal);
    return auditTrail(em, principal.tenantId, limit);
  }

  /** Only people manage API clients: their role says what they may grant, and a client must not make clients. */
  private async actor(em: EntityManager, principal: Principal): Promise<PersonActor> {
    const actor = await auditActor(em, principal);
    if (!actor.person) throw personRequired();
    return { ...actor, person: actor.person };
  }

  /** The partner's client, or not found: another partner's is as unknown as one that does not exist. */
  private async client(em: EntityManager, principal: Principal, clientId: string): Promise<ApiClient> {
    const client = await em.findOne(ApiClient, { clientId, partner: principal.tenantId });
    if (!client) throw notFound();
    return client;
  }

  private view(client: ApiClient): ApiClientView {
    const overlap = client.previousSecretExpiresAt;
    return {
      clientId: client.clientId,
      name: client.name,
      scopes: client.allowedScopes.split(' ').filter(Boolean),
      active: client.active,
      createdAt: client.createdAt,
      previousSecretExpiresAt: overlap && overlap > this.deps.clock.now() ? overlap : null,
    };
  }

  /** What the audit trail keeps of a client: no secret, no hash. */
  private record(client: ApiClient): Record<string, unknown> {
    const view = this.view(client);
    return {
      name: view.name,
      scopes: view.scopes,
      active: view.active,
      previousSecretExpiresAt: view.previousSecretExpiresAt?.toISOString() ?? null,
    };
  }

  private audit(
    em: EntityManager,
    actor: AuditActor,
    action: string,
    client: ApiClient,
    before: Record<string, unknown> | null,
    after: Record<string, unknown> | null,
  ): void {
    const target = { type: 'api_client', id: client.clientId };
    recordAudit(em, actor, { action, target, before, after, at: this.deps.clock.now() });
  }
}

function grantable(person: PortalUser): string[] {
  const held = new Set(person.partner.grantedScopes.split(' '));
  return GRANTABLE_SCOPES[person.role].filter((scope) => held.has(scope));
}

/** Cognito-like: an opaque id of 26 lower-case letters and digits (base32, so every character is equally likely). */
const newClientId = (): string =>
  Array.from(randomBytes(26), (byte) => 'abcdefghijklmnopqrstuvwxyz234567'[byte & 31]).join('');

/** `cs_` and 32 random bytes: long enough that a fast hash would do, kept as scrypt like every client secret. */
const newClientSecret = (): string => `cs_${randomBytes(32).toString('base64url')}`;

/**
 * Whether `secret` is the client's: its current secret, or the one before the last rotation while the overlap lasts.
 * Unknown clients are answered by the caller with a decoy check, so that timing tells nothing.
 */
export async function clientSecretMatches(client: ApiClient, secret: string, now: Date): Promise<boolean> {
  if (await verifySecret(secret, client.secretHash)) return true;
  const previous = client.previousSecretHash;
  return previous !== null && client.previousSecretExpiresAt !== null && client.previousSecretExpiresAt > now
    ? verifySecret(secret, previous)
    : false;
}
