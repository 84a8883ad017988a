import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Clock, type DomainError, decrypt, encrypt } from '@pos/kit';
import { loyaltyErrors } from '../action/loyalty.errors';
import type { LoyaltyCustomer } from '../customer/customer.entity';
import { type LoyaltyOrg, VerificationPreset } from '../org/org.entity';
import { LoyaltyAction, PinChallenge, PinChallengeStatus } from './pin-challenge.entity';

/** Seed 004: a challenge lives 90 s and takes 3 wrong PINs. */
export const PIN_TTL_MS = 90_000;
export const PIN_ATTEMPTS = 3;
export const PIN_PATTERN = /^\d{4}$/;

export interface PinKeys {
  /** Keys the PIN hash; without it, 10,000 guesses would reverse a stored hash. */
  hash: Buffer;
  /** Seals the PIN for the customer's dashboard. */
  seal: Buffer;
}

/** Whether the org's preset asks for a PIN before this action (seed 004, "Verification gate"). */
export function requiresPin(preset: VerificationPreset, action: LoyaltyAction): boolean {
  if (preset === VerificationPreset.STRICT) return true;
  if (preset === VerificationPreset.BALANCED) return action !== LoyaltyAction.EARN;
  return false;
}

/** A PIN the customer's dashboard shows while its challenge is open. */
export interface PendingPin {
  challengeId: string;
  action: LoyaltyAction;
  pin: string;
  expiresAt: Date;
  orgName: string;
}

/**
 * The PIN verification gate. It runs inside the action's transaction, with the customer's row already locked, so
 * one customer's challenges change one request at a time. It answers with a refusal rather than throwing one: a
 * refusal that issued a challenge or counted a wrong attempt must be committed, and the caller throws it after
 * the commit. A PIN that passes is consumed in the same transaction as the action, so an action that fails after
 * the gate (a balance too low) leaves the PIN usable.
 */
export class PinService {
  constructor(
    private readonly em: EntityManager,
    private readonly keys: PinKeys,
    private readonly clock: Clock,
  ) {}

  async check(
    tx: EntityManager,
    org: LoyaltyOrg,
    customer: LoyaltyCustomer,
    action: LoyaltyAction,
    pin: string | null | undefined,
  ): Promise<DomainError | null> {
    if (!requiresPin(org.preset, action)) return null;
    if (pin === null || pin === undefined) return this.issue(tx, org, customer, action);
    const latest = await tx.findOne(PinChallenge, { customer, action }, { orderBy: { createdAt: 'desc' } });
    // No challenge to answer (never issued, or the last one already let an action through): start one.
    if (!latest || latest.status === PinChallengeStatus.VERIFIED || latest.status === PinChallengeStatus.SUPERSEDED) {
      return this.issue(tx, org, customer, action);
    }
    if (latest.status === PinChallengeStatus.EXHAUSTED) return loyaltyErrors.pinAttemptsExceeded();
    if (this.clock.now() >= latest.expiresAt) return loyaltyErrors.pinExpired();
    if (timingSafeEqual(Buffer.from(this.hashOf(latest.id, pin), 'hex'), Buffer.from(latest.pinHash, 'hex'))) {
      latest.status = PinChallengeStatus.VERIFIED;
      return null;
    }
    latest.attemptsLeft -= 1;
    if (latest.attemptsLeft <= 0) latest.status = PinChallengeStatus.EXHAUSTED;
    await tx.flush();
    return loyaltyErrors.pinInvalid(latest.attemptsLeft);
  }

  /** The open, unexpired PINs of one customer, newest first, as their dashboard shows them. */
  async pending(customerId: string): Promise<PendingPin[]> {
    const rows = await this.em.find(
      PinChallenge,
      { customer: customerId, status: PinChallengeStatus.OPEN, expiresAt: { $gt: this.clock.now() } },
      { populate: ['org'], orderBy: { createdAt: 'desc' } },
    );
    return rows.map((row) => ({
      challengeId: row.id,
      action: row.action,
      pin: decrypt(row.pinSealed, this.keys.seal),
      expiresAt: row.expiresAt,
      orgName: row.org.name,
    }));
  }

  private async issue(tx: EntityManager, org: LoyaltyOrg, customer: LoyaltyCustomer, action: LoyaltyAction) {
    await tx.nativeUpdate(
      PinChallenge,
      { customer, action, status: PinChallengeStatus.OPEN },
      { status: PinChallengeStatus.SUPERSEDED },
    );
    const pin = String(randomInt(0, 10_000)).padStart(4, '0');
    const now = this.clock.now();
    const challenge = new PinChallenge();
    Object.assign(challenge, {
      org,
      customer,
      action,
      attemptsLeft: PIN_ATTEMPTS,
      createdAt: now,
      expiresAt: new Date(now.getTime() + PIN_TTL_MS),
      pinSealed: encrypt(pin, this.keys.seal),
    });
    challenge.pinHash = this.hashOf(challenge.id, pin);
    tx.persist(challenge);
    await tx.flush();
    return loyaltyErrors.pinRequired(challenge.id, challenge.expiresAt);
  }

  private hashOf(challengeId: string, pin: string): string {
    return createHmac('sha256', this.keys.hash).update(`${challengeId}:${pin}`).digest('hex');
  }
}
