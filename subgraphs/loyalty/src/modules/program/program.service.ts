import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type Clock,
  type ConnectionArgs,
  type ConnectionPage,
  type Principal,
  SCOPES,
  badInput,
  isUuid,
  notFound,
  paginate,
  requireScope,
} from '@pos/kit';
import { LoyaltyOrg } from '../org/org.entity';
import type { UpdateLoyaltyProgramInput } from './program.inputs';
import { LoyaltyProgramChange, type LoyaltyProgramSettings, settingsOf } from './program-change.entity';

/** The bounds of a program's settings, as the input's descriptions state them. */
export const PROGRAM_LIMITS = {
  maxEarnRatio: 100,
  maxStampsPerCard: 50,
  maxRewardNameLength: 100,
} as const;

export interface ProgramUpdate {
  program: LoyaltyOrg;
  /** The audit entry; null when the input changed nothing. */
  change: LoyaltyProgramChange | null;
}

/**
 * A partner's loyalty programs as its merchant settings them (scope tilt/loyalty:admin: a partner admin in the
 * portal, or an API client granted it). A change is validated as a whole (every problem named, nothing applied on
 * any), applied under the org's row lock so that two saves never interleave, and recorded with who made it and the
 * settings before and after, in the same transaction. An earn or redeem reads the org afresh, so the next one uses
 * the new settings.
 */
export class ProgramService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  /** The caller's programs, by name. */
  list(principal: Principal): Promise<LoyaltyOrg[]> {
    requireScope(principal, SCOPES.loyaltyAdmin);
    return this.em.find(LoyaltyOrg, { tenantId: principal.tenantId }, { orderBy: { name: 'asc', id: 'asc' } });
  }

  async update(principal: Principal, input: UpdateLoyaltyProgramInput): Promise<ProgramUpdate> {
    requireScope(principal, SCOPES.loyaltyAdmin);
    if (!isUuid(input.id)) throw notFound('Loyalty program');
    return this.em.transactional(async (tx) => {
      const program = await tx.findOne(
        LoyaltyOrg,
        { id: input.id, tenantId: principal.tenantId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!program) throw notFound('Loyalty program');
      const before = settingsOf(program);
      const after = nextSettings(before, input);
      if (JSON.stringify(before) === JSON.stringify(after)) return { program, change: null };
      program.earnRatioBps = Math.round(after.earnRatio * 10_000);
      Object.assign(program, {
        preset: after.preset,
        stampsPerCard: after.stampsPerCard,
        maxStampsPerEarn: after.maxStampsPerEarn,
        rewardName: after.rewardName,
      });
      const change = Object.assign(new LoyaltyProgramChange(), {
        org: program,
        createdAt: this.clock.now(),
        actorKind: principal.kind,
        actorId: principal.subject,
        before,
        after: settingsOf(program),
      });
      tx.persist(change);
      return { program, change };
    });
  }

  /** A page of a program's changes, newest first; the program is already the caller's (LoyaltyOrg.changes). */
  changes(
    principal: Principal,
    program: LoyaltyOrg,
    args: ConnectionArgs,
  ): Promise<ConnectionPage<LoyaltyProgramChange>> {
    requireScope(principal, SCOPES.loyaltyAdmin);
    return paginate(this.em, LoyaltyProgramChange, { org: program.id }, args);
  }
}

/** The settings after `input`, or a validation error naming every value out of bounds. */
function nextSettings(before: LoyaltyProgramSettings, input: UpdateLoyaltyProgramInput): LoyaltyProgramSettings {
  const after: LoyaltyProgramSettings = {
    earnRatio: input.earnRatio ?? before.earnRatio,
    preset: input.preset ?? before.preset,
    stampsPerCard: input.stampsPerCard ?? before.stampsPerCard,
    maxStampsPerEarn: input.maxStampsPerEarn ?? before.maxStampsPerEarn,
    rewardName: input.rewardName?.trim() ?? before.rewardName,
  };
  const problems: string[] = [];
  const bps = after.earnRatio * 10_000;
  if (!(after.earnRatio >= 0 && after.earnRatio <= PROGRAM_LIMITS.maxEarnRatio)) {
    problems.push(`earnRatio: must be from 0 to ${PROGRAM_LIMITS.maxEarnRatio}`);
  } else if (Math.abs(bps - Math.round(bps)) > 1e-6) {
    problems.push('earnRatio: at most 4 decimals');
  }
  if (after.stampsPerCard < 1 || after.stampsPerCard > PROGRAM_LIMITS.maxStampsPerCard) {
    problems.push(`stampsPerCard: must be from 1 to ${PROGRAM_LIMITS.maxStampsPerCard}`);
  }
  if (after.maxStampsPerEarn < 1 || after.maxStampsPerEarn > after.stampsPerCard) {
    problems.push(`maxStampsPerEarn: must be from 1 to the stamps per card (${after.stampsPerCard})`);
  }
  if (!after.rewardName || after.rewardName.length > PROGRAM_LIMITS.maxRewardNameLength) {
    problems.push(`rewardName: must be 1 to ${PROGRAM_LIMITS.maxRewardNameLength} characters`);
  }
  if (problems.length) throw badInput('Invalid loyalty program settings', problems);
  return { ...after, earnRatio: Math.round(bps) / 10_000 };
}
