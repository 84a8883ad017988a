import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Clock, type DomainError, type Principal, SCOPES, decrypt, encrypt } from '@pos/kit';
import { loyaltyErrors } from '../action/loyalty.errors';
import type { LoyaltyCustomer } from '../customer/customer.entity';
import { type LoyaltyOrg, VerificationPreset } from '../org/org.entity';
import { LoyaltyAction, PinChallenge, PinChallengeStatus } from './pin-challenge.entity';
import { PinFailure } from './pin-failure.entity';
import {
  PIN_CHALLENGES_CHANNEL,
  type PendingPin,
  type PinChallengeHub,
  type PinChallengeState,
  type PinChallengesChanged,
} from './pin-challenge.hub';

/** As the loyalty POS API documents it: a challenge lives 90 s and takes 3 wrong PINs. */
export const PIN_TTL_MS = 90_000;
export const PIN_ATTEMPTS = 3;
export const PIN_PATTERN = /^\d{4}$/;

/**
 * The customer's PIN lock (settings LOYALTY_PIN_LOCK_CHALLENGES, LOYALTY_PIN_LOCK_WINDOW_SECONDS): once `challenges`
 * challenges' worth of wrong PINs (3 each) fall within the window, the customer's PINs are locked until the oldest
 * of them leaves it.
 */
export interface PinLockSettings {
  challenges: number;
  windowMs: number;
}

export interface PinKeys {
  /** Keys the PIN hash; without it, 10,000 guesses would reverse a stored hash. */
  hash: Buffer;
  /** Seals the PIN for the customer's dashboard. */
  seal: Buffer;
}

/** Whether the org's preset asks for a PIN before this action (the loyalty API's verification gate). */
export function requiresPin(preset: VerificationPreset, action: LoyaltyAction): boolean {
  if (preset === VerificationPreset.STRICT) return true;
  if (preset === VerificationPreset.BALANCED) return action !== LoyaltyAction.EARN;
  return false;
}

/**
 * Who may see that a customer's PINs are locked: the customer, the org's key, a partner acting at the POS
 * (tilt/loyalty:pos). A reader of the POS data (tilt/pos:read, a cashier) sees the customer but not the lock.
 */
export function seesPinLock(principal: Principal | null): boolean {
  return (
    principal?.kind === 'loyaltyCustomer' ||
    principal?.kind === 'loyaltyOrg' ||
    (principal?.scopes.includes(SCOPES.loyaltyPos) ?? false)
  );
}

/**
 * The PIN verification gate. It runs inside the action's transaction, with the customer's row already locked, so
 * one customer's challenges change one request at a time. It answers with a refusal rather than throwing one: a
 * refusal that issued a challenge or counted a wrong attempt must be committed, and the caller throws it after
 * the commit. A PIN that passes is consumed in the same transaction as the action, so an action that fails after
 * the gate (a balance too low) leaves the PIN usable.
 *
 * Beyond each challenge's 3 attempts, wrong PINs are counted per customer (across challenges, actions and
 * callers), each when it is given: a fresh challenge after 2 wrong PINs must not start the count again, or 2
 * guesses per challenge would go on for ever. At the limit the customer is locked: their open challenges are
 * closed, and every gated call is refused (pin_locked) without issuing a challenge or checking a PIN, until the
 * window has passed over the oldest counted wrong PIN. A correct PIN takes nothing off the count.
 */
export class PinService {
  constructor(
    private readonly em: EntityManager,
    private readonly keys: PinKeys,
    private readonly clock: Clock,
    private readonly lock: PinLockSettings,
    /** This instance's feed of PIN challenges to subscribed customers (loyaltyPinChallenges). */
    private readonly hub?: PinChallengeHub,
  ) {}

  async check(
    tx: EntityManager,
    org: LoyaltyOrg,
    customer: LoyaltyCustomer,
    action: LoyaltyAction,
    pin: string | null | undefined,
  ): Promise<DomainError | null> {
    if (!requiresPin(org.preset, action)) return null;
    const now = this.clock.now();
    const [lockedUntil] = await this.lockedUntil([customer.id], tx);
    if (lockedUntil) return loyaltyErrors.pinLocked(lockedUntil, now);
    if (pin === null || pin === undefined) return this.issue(tx, org, customer, action);
    const latest = await tx.findOne(PinChallenge, { customer, action }, { orderBy: { createdAt: 'desc' } });
    // No challenge to answer (never issued, the last one already let an action through, or a lock closed it).
    if (
      !latest ||
      [PinChallengeStatus.VERIFIED, PinChallengeStatus.SUPERSEDED, PinChallengeStatus.LOCKED].includes(latest.status)
    ) {
      return this.issue(tx, org, customer, action);
    }
    if (latest.status === PinChallengeStatus.EXHAUSTED) return loyaltyErrors.pinAttemptsExceeded();
    if (now >= latest.expiresAt) return loyaltyErrors.pinExpired();
    if (timingSafeEqual(Buffer.from(this.hashOf(latest.id, pin), 'hex'), Buffer.from(latest.pinHash, 'hex'))) {
      latest.status = PinChallengeStatus.VERIFIED;
      // Sent only if the action's transaction commits: an action refused after the gate leaves the PIN open.
      await this.changed(tx, org, customer);
      return null;
    }
    latest.attemptsLeft -= 1;
    if (latest.attemptsLeft <= 0) latest.status = PinChallengeStatus.EXHAUSTED;
    tx.persist(Object.assign(new PinFailure(), { customer, challenge: latest, failedAt: now }));
    // Wrong PINs that left the window count no more: pruned here, so the table holds at most a window's worth.
    await tx.nativeDelete(PinFailure, { customer, failedAt: { $lte: this.windowStart() } });
    await tx.flush();
    // The challenge may be exhausted now, or the lock begun below: the customer's page hears of it either way.
    await this.changed(tx, org, customer);
    if (!(await this.lockedUntil([customer.id], tx))[0]) return loyaltyErrors.pinInvalid(latest.attemptsLeft);
    // This wrong PIN starts the lock: no open challenge may be answered during it (or after it: it lasts longer
    // than a challenge lives), so they are closed now and leave the dashboard.
    await tx.nativeUpdate(
      PinChallenge,
      { customer, status: PinChallengeStatus.OPEN },
      { status: PinChallengeStatus.LOCKED },
    );
    if (latest.status === PinChallengeStatus.OPEN) latest.status = PinChallengeStatus.LOCKED;
    await tx.flush();
    return loyaltyErrors.pinInvalidLocked();
  }

  /**
   * Until when each customer's PINs are locked, or null where they are not: locked while the window holds at least
   * the limit of wrong PINs, so until the window passes over the `limit`-th most recent of them.
   */
  async lockedUntil(customerIds: readonly string[], em: EntityManager = this.em): Promise<Array<Date | null>> {
    const limit = this.lock.challenges * PIN_ATTEMPTS;
    const rows = await em.find(
      PinFailure,
      { customer: { $in: [...customerIds] }, failedAt: { $gt: this.windowStart() } },
      { orderBy: { failedAt: 'desc' } },
    );
    return customerIds.map((id) => {
      const counted = rows.filter((row) => row.customer.id === id);
      return counted.length >= limit ? new Date(counted[limit - 1].failedAt.getTime() + this.lock.windowMs) : null;
    });
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

  /** The customer's PIN state as their dashboard shows it: the open PINs and the lock. */
  async state(customerId: string): Promise<PinChallengeState> {
    const [pendingPins, [pinLockedUntil]] = await Promise.all([
      this.pending(customerId),
      this.lockedUntil([customerId]),
    ]);
    return { pendingPins, pinLockedUntil };
  }

  /**
   * The signed-in customer's PIN state, live: the current state, then the state after each change (loyaltyPinChallenges).
   * `customer` is the caller's own (CustomerService.self): the stream is keyed by its tenant and id, so no other
   * customer's challenge can reach it.
   */
  watch(customer: LoyaltyCustomer): AsyncIterableIterator<PinChallengeState> {
    if (!this.hub) throw new Error('PIN challenges are not fed on this instance');
    return this.hub.subscribe(customer.org.tenantId, customer.id);
  }

  /**
   * Tells the subscribed customer's pages that their challenges changed: a notification from the writing
   * transaction, which PostgreSQL delivers only if, and when, it commits (as payments' outbox does). It names the
   * customer only; the hub reads the state itself. Lost, it costs a delay, never the challenge: the page reads the
   * dashboard again when its subscription (re)connects.
   */
  private async changed(tx: EntityManager, org: LoyaltyOrg, customer: LoyaltyCustomer): Promise<void> {
    const payload: PinChallengesChanged = { tenantId: org.tenantId, customerId: customer.id };
    await tx.execute(`select pg_notify(?, ?)`, [PIN_CHALLENGES_CHANNEL, JSON.stringify(payload)]);
  }

  private windowStart(): Date {
    return new Date(this.clock.now().getTime() - this.lock.windowMs);
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
    await this.changed(tx, org, customer);
    return loyaltyErrors.pinRequired(challenge.id, challenge.expiresAt);
  }

  private hashOf(challengeId: string, pin: string): string {
    return createHmac('sha256', this.keys.hash).update(`${challengeId}:${pin}`).digest('hex');
  }
}
