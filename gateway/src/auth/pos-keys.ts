import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Clock, DomainError, ErrorCode, type Principal, isUuid } from '@pos/kit';
import { ApiKey, Partner } from '../identity/identity.entities';
import type { GraphExecutor } from '../graph-executor';
import { auditActor, recordAudit } from './audit';
import { hashBearerSecret } from './secrets';

/**
 * The POS keys of a partner's loyalty programs (the `X-Api-Key` a merchant's POS calls the loyalty API with), issued
 * and revoked by whoever administers the partner's loyalty programs (scope tilt/loyalty:admin). The keys are the
 * gateway's (its identity schema), the programs the loyalty subgraph's: which program is the caller's is asked of the
 * graph as the caller, so the loyalty subgraph's tenancy decides.
 *
 * A key is shown once and kept as its SHA-256 (it is long and random, see ApiKey). A revoked key stops working
 * within the gateway's credential cache (AUTH_CACHE_TTL_SECONDS). Issuing and revoking are audited.
 */

export interface PosKeyView {
  id: string;
  programId: string;
  label: string;
  active: boolean;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface RequestContext {
  principal: Principal;
  requestId: string;
}

const programNotFound = (id: string) =>
  new DomainError(ErrorCode.NOT_FOUND, 'Loyalty program not found', [`program_id: ${id} is not one of your programs`]);

/** `lk_` and 32 random bytes: what the loyalty API's key check takes (printable ASCII, 8–256 characters). */
const newPosKey = (): string => `lk_${randomBytes(32).toString('base64url')}`;

export class PosKeys {
  constructor(private readonly deps: { em: () => EntityManager; clock: Clock; execute: GraphExecutor }) {}

  /** The program's keys, revoked ones included, oldest first. */
  async list(ctx: RequestContext, program: string): Promise<PosKeyView[]> {
    const programId = await this.requireProgram(ctx, program);
    const keys = await this.deps
      .em()
      .find(
        ApiKey,
        { partner: ctx.principal.tenantId, kind: 'loyaltyOrg', subject: programId },
        { orderBy: { createdAt: 'asc', id: 'asc' } },
      );
    return keys.map(view);
  }

  async issue(ctx: RequestContext, program: string, label: string): Promise<{ key: PosKeyView; secret: string }> {
    const programId = await this.requireProgram(ctx, program);
    const em = this.deps.em();
    const actor = await auditActor(em, ctx.principal);
    const secret = newPosKey();
    const key = Object.assign(new ApiKey(), {
      keyHash: hashBearerSecret(secret),
      partner: em.getReference(Partner, ctx.principal.tenantId),
      kind: 'loyaltyOrg' as const,
      subject: programId,
      label,
      createdAt: this.deps.clock.now(),
    });
    em.persist(key);
    recordAudit(em, actor, {
      action: 'pos_key.issued',
      target: { type: 'pos_key', id: key.id },
      before: null,
      after: record(key),
      at: key.createdAt,
    });
    await em.flush();
    return { key: view(key), secret };
  }

  /** Revokes a key of the program; revoking a revoked key changes nothing (and records nothing). */
  async revoke(ctx: RequestContext, program: string, keyId: string): Promise<PosKeyView> {
    const programId = await this.requireProgram(ctx, program);
    const em = this.deps.em();
    const actor = await auditActor(em, ctx.principal);
    const key = isUuid(keyId)
      ? await em.findOne(ApiKey, {
          id: keyId.toLowerCase(),
          partner: ctx.principal.tenantId,
          kind: 'loyaltyOrg',
          subject: programId,
        })
      : null;
    if (!key) throw new DomainError(ErrorCode.NOT_FOUND, 'POS key not found');
    if (key.active) {
      const before = record(key);
      key.active = false;
      key.revokedAt = this.deps.clock.now();
      recordAudit(em, actor, {
        action: 'pos_key.revoked',
        target: { type: 'pos_key', id: key.id },
        before,
        after: record(key),
        at: key.revokedAt,
      });
      await em.flush();
    }
    return view(key);
  }

  /**
   * The program's id (lower-cased, as stored) when it is the caller's, asked of the loyalty subgraph through the
   * graph as the caller; not found otherwise.
   */
  private async requireProgram(ctx: RequestContext, programId: string): Promise<string> {
    if (!isUuid(programId)) throw programNotFound(programId);
    const result = await this.deps.execute(
      'query PosKeyPrograms { loyaltyPrograms { id } }',
      {},
      ctx.principal,
      ctx.requestId,
    );
    if (result.errors?.length) {
      throw new DomainError(
        ErrorCode.UNAVAILABLE,
        'The loyalty programs could not be checked; retry later',
        [],
        'dependency_unavailable',
      );
    }
    const programs = (result.data?.loyaltyPrograms ?? []) as Array<{ id: string }>;
    const id = programId.toLowerCase();
    if (!programs.some((program) => program.id === id)) throw programNotFound(programId);
    return id;
  }
}

const view = (key: ApiKey): PosKeyView => ({
  id: key.id,
  programId: key.subject,
  label: key.label,
  active: key.active,
  createdAt: key.createdAt,
  revokedAt: key.revokedAt,
});

/** What the audit trail keeps of a key: never the key or its hash. */
const record = (key: ApiKey): Record<string, unknown> => ({
  programId: key.subject,
  label: key.label,
  active: key.active,
});
