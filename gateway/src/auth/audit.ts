import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, ErrorCode, type Principal } from '@pos/kit';
import { AuditEvent, Partner, PortalUser } from '../identity/identity.entities';

/**
 * The audit trail of a partner's credentials (identity.audit_event): who changed which API client or POS key, when,
 * and the record before and after. Entries are written in the change's own flush, so a change never lands without
 * its entry, and they never hold a secret or its hash.
 */

/** Who makes a change: the principal, and the person behind it when it is one. */
export interface AuditActor {
  principal: Principal;
  person: PortalUser | null;
  /** What the trail calls them: a person's email, a client's id. */
  name: string;
}

export interface AuditEntry {
  id: string;
  at: Date;
  actor: { kind: string; id: string; name: string };
  action: string;
  target: { type: string; id: string };
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export const personRequired = () =>
  new DomainError(
    ErrorCode.FORBIDDEN,
    'Only a partner’s people signed in to the portal manage its credentials',
    [],
    'person_required',
  );

/**
 * The actor behind `principal`: a person must still be active and of the principal's partner (an operator has no
 * partner's credentials to manage); a partner's client acts as itself.
 */
export async function auditActor(em: EntityManager, principal: Principal): Promise<AuditActor> {
  if (principal.kind === 'm2m' && principal.clientId) return { principal, person: null, name: principal.clientId };
  const person =
    principal.kind === 'person'
      ? await em.findOne(PortalUser, { id: principal.subject, active: true }, { populate: ['partner'] })
      : null;
  if (!person || person.partner.id !== principal.tenantId || person.role === 'operator') throw personRequired();
  return { principal, person, name: person.email };
}

/** Adds an entry to the unit of work: it is written with the change it records. */
export function recordAudit(
  em: EntityManager,
  actor: AuditActor,
  entry: {
    action: string;
    target: { type: string; id: string };
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
    at: Date;
  },
): void {
  em.persist(
    Object.assign(new AuditEvent(), {
      partner: em.getReference(Partner, actor.principal.tenantId),
      actorKind: actor.principal.kind,
      actorId: actor.principal.subject,
      actorName: actor.name,
      action: entry.action,
      targetType: entry.target.type,
      targetId: entry.target.id,
      before: entry.before,
      after: entry.after,
      at: entry.at,
    }),
  );
}

/** The partner's trail, newest first. */
export async function auditTrail(em: EntityManager, partnerId: string, limit: number): Promise<AuditEntry[]> {
  const events = await em.find(AuditEvent, { partner: partnerId }, { orderBy: { at: 'desc', id: 'asc' }, limit });
  return events.map((event) => ({
    id: event.id,
    at: event.at,
    actor: { kind: event.actorKind, id: event.actorId, name: event.actorName },
    action: event.action,
    target: { type: event.targetType, id: event.targetId },
    before: event.before,
    after: event.after,
  }));
}
