import { createHash } from 'node:crypto';
import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, conflict, unprocessable } from './errors';
import type { Principal } from './internal-auth';

/** How long a key is remembered. Documented in docs/partner-api.md (Idempotency); a key reused after this runs as a new request. */
export const IDEMPOTENCY_RETENTION_HOURS = 24;

/** The options of every mutation's `idempotencyKey` argument, so the graph describes it once. */
export const IDEMPOTENCY_KEY_ARG = {
  nullable: true,
  description: `Makes retries safe: the same key and input return the first result (kept ${IDEMPOTENCY_RETENTION_HOURS} hours)`,
} as const;
/**
 * How long a request may hold its key before a retry is allowed to take it over. A request that crashed after
 * recording its intent is then finished by the retry (see {@link IdempotencyClaim} `resume`), instead of the key
 * answering 409 for a whole day.
 */
export const IDEMPOTENCY_LEASE_SECONDS = 30;

/**
 * One idempotency key of one caller, in the schema of the subgraph that owns the operation, so the key and the
 * effect it guards commit in the same database transaction.
 */
@Entity({ tableName: 'idempotency_key' })
export class IdempotencyRecord {
  @PrimaryKey({ length: 64 })
  tenantId!: string;

  /** `<kind>:<subject>`: keys are per caller, so two clients of one partner cannot collide or read each other's. */
  @PrimaryKey({ length: 200 })
  caller!: string;

  @PrimaryKey({ length: 255 })
  key!: string;

  @Property({ length: 64 })
  operation!: string;

  /** SHA-256 of the operation and its canonical input: the same key with another body is refused. */
  @Property({ length: 64 })
  fingerprint!: string;

  @Property({ length: 16 })
  state!: 'in_progress' | 'completed';

  @Property({ type: 'timestamptz' })
  leaseUntil!: Date;

  /** The resource the request created or moved, recorded with its intent so a retry can finish the work. */
  @Property({ length: 64, nullable: true })
  resourceId: string | null = null;

  /** The result to replay: a snapshot of the resource as the first request returned it. */
  @Property({ type: 'json', nullable: true })
  response: unknown = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  completedAt: Date | null = null;
}

export interface IdempotencyToken {
  tenantId: string;
  caller: string;
  key: string;
}

export type IdempotencyClaim =
  /** The key is new (or expired): run the operation, then complete or release the key. */
  | { kind: 'fresh'; token: IdempotencyToken }
  /** An earlier request with this key finished: answer with its result. */
  | { kind: 'replay'; response: unknown; resourceId: string | null }
  /** An earlier request recorded its intent and then stopped answering: finish its work. */
  | { kind: 'resume'; token: IdempotencyToken; resourceId: string | null };

const KEY = /^[\x21-\x7e]{1,255}$/;

/** JSON with object keys sorted, so two bodies that differ only in key order have one fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export const fingerprintOf = (operation: string, input: unknown): string =>
  createHash('sha256')
    .update(`${operation}\n${canonical(input)}`)
    .digest('hex');

interface Row {
  operation: string;
  fingerprint: string;
  state: 'in_progress' | 'completed';
  lease_until: Date;
  resource_id: string | null;
  response: unknown;
}

const lastPrune = new Map<string, number>();

/**
 * Idempotency keys in the database (Stripe's and the IETF draft's semantics): the same key with the same request
 * replays the first result; with a different request it is refused (422, `idempotency_key_reused`); while the first
 * request still runs, 409 (`idempotency_key_in_use`). The claim is one INSERT … ON CONFLICT, so concurrent requests
 * on several replicas agree without any lock in memory. A request that fails releases its key, so the client can
 * correct the cause and retry with the same key.
 */
export class IdempotencyStore {
  private readonly table: string;

  constructor(private readonly em: EntityManager) {
    this.table = `"${em.config.get('schema') ?? 'public'}"."idempotency_key"`;
  }

  /** Validates and claims a client-given key; null when the client sent none (the request then simply runs). */
  async claimKey(
    principal: Principal,
    key: string | null | undefined,
    operation: string,
    input: unknown,
  ): Promise<IdempotencyClaim | null> {
    const parsed = IdempotencyStore.parseKey(key);
    return parsed ? this.claim(principal, parsed, operation, input) : null;
  }

  /**
   * Gives the key back after a failure before any intent was recorded, so a corrected retry can use it. A resumed
   * claim that names its resource keeps the key: that resource may already be with the processor.
   */
  async abandon(claim: IdempotencyClaim | null): Promise<void> {
    if (claim?.kind === 'fresh' || (claim?.kind === 'resume' && !claim.resourceId)) await this.release(claim.token);
  }

  /** Validates a client-given key; null or undefined means the client did not ask for idempotency. */
  static parseKey(key: string | null | undefined): string | null {
    if (key === null || key === undefined) return null;
    if (!KEY.test(key)) {
      throw badInput('Invalid Idempotency-Key', [
        'idempotencyKey: 1 to 255 visible ASCII characters (a V4 UUID is a good choice)',
      ]);
    }
    return key;
  }

  /** Claims `key` for this caller and request; see {@link IdempotencyClaim}. */
  async claim(principal: Principal, key: string, operation: string, input: unknown): Promise<IdempotencyClaim> {
    await this.prune();
    const token: IdempotencyToken = {
      tenantId: principal.tenantId,
      caller: `${principal.kind}:${principal.subject}`,
      key,
    };
    const fingerprint = fingerprintOf(operation, input);
    const connection = this.em.getConnection();
    // A row older than the retention window is a forgotten key: taking it over is the same as a fresh insert.
    const inserted = await connection.execute<unknown[]>(
      `insert into ${this.table} as k (tenant_id, caller, key, operation, fingerprint, state, lease_until, created_at)
       values (?, ?, ?, ?, ?, 'in_progress', now() + make_interval(secs => ?), now())
       on conflict (tenant_id, caller, key) do update
         set operation = excluded.operation, fingerprint = excluded.fingerprint, state = 'in_progress',
             lease_until = excluded.lease_until, resource_id = null, response = null, created_at = now(),
             completed_at = null
         where k.created_at < now() - make_interval(hours => ?)
       returning 1`,
      [
        token.tenantId,
        token.caller,
        key,
        operation,
        fingerprint,
        IDEMPOTENCY_LEASE_SECONDS,
        IDEMPOTENCY_RETENTION_HOURS,
      ],
    );
    if (inserted.length) return { kind: 'fresh', token };

    const [row] = await connection.execute<Row[]>(
      `select operation, fingerprint, state, lease_until, resource_id, response from ${this.table}
       where tenant_id = ? and caller = ? and key = ?`,
      [token.tenantId, token.caller, key],
    );
    // Released between our insert and this read: the caller may simply retry.
    if (!row) throw inUse();
    if (row.operation !== operation || row.fingerprint !== fingerprint) {
      throw unprocessable('idempotency_key_reused', 'This Idempotency-Key was already used with a different request', [
        'Use a new key for a new request; a key identifies one request and its exact body',
      ]);
    }
    if (row.state === 'completed') return { kind: 'replay', response: row.response, resourceId: row.resource_id };
    if (new Date(row.lease_until).getTime() > Date.now()) throw inUse();
    // The first request went quiet: extend its lease for us, unless another retry did so first.
    const taken = await connection.execute<unknown[]>(
      `update ${this.table} set lease_until = now() + make_interval(secs => ?)
       where tenant_id = ? and caller = ? and key = ? and state = 'in_progress' and lease_until = ?
       returning 1`,
      [IDEMPOTENCY_LEASE_SECONDS, token.tenantId, token.caller, key, row.lease_until],
    );
    if (!taken.length) throw inUse();
    return { kind: 'resume', token, resourceId: row.resource_id };
  }

  /** Records, inside the transaction that records the intent, which resource this request is working on. */
  async attach(tx: EntityManager, token: IdempotencyToken, resourceId: string): Promise<void> {
    await tx.execute(`update ${this.table} set resource_id = ? where tenant_id = ? and caller = ? and key = ?`, [
      resourceId,
      token.tenantId,
      token.caller,
      token.key,
    ]);
  }

  /** Marks the key completed with the result to replay, inside the transaction that records the outcome. */
  async complete(tx: EntityManager, token: IdempotencyToken, resourceId: string, response: unknown): Promise<void> {
    await tx.execute(
      `update ${this.table} set state = 'completed', resource_id = ?, response = ?::jsonb, completed_at = now()
       where tenant_id = ? and caller = ? and key = ?`,
      [resourceId, JSON.stringify(response), token.tenantId, token.caller, token.key],
    );
  }

  /** Forgets an unfinished key after a failure, so a corrected retry with the same key runs again. */
  async release(token: IdempotencyToken): Promise<void> {
    await this.em
      .getConnection()
      .execute(`delete from ${this.table} where tenant_id = ? and caller = ? and key = ? and state = 'in_progress'`, [
        token.tenantId,
        token.caller,
        token.key,
      ]);
  }

  /** Deletes keys past the retention window, at most every ten minutes per process and schema. */
  private async prune(): Promise<void> {
    const now = Date.now();
    if ((lastPrune.get(this.table) ?? 0) > now - 600_000) return;
    lastPrune.set(this.table, now);
    await this.em
      .getConnection()
      .execute(`delete from ${this.table} where created_at < now() - make_interval(hours => ?)`, [
        IDEMPOTENCY_RETENTION_HOURS * 2,
      ]);
  }
}

const inUse = () =>
  conflict('idempotency_key_in_use', 'A request with this Idempotency-Key is still in progress', [
    'Retry after the first request has finished',
  ]);

/** A plain JSON copy of an entity's own fields, to store as the result a replay answers with. */
export const entitySnapshot = (entity: object): unknown => JSON.parse(JSON.stringify({ ...entity })) as unknown;

/** Rebuilds an entity from {@link entitySnapshot}, turning the named ISO strings back into Dates. */
export function restoreEntity<T extends object>(make: () => T, snapshot: unknown, dateFields: readonly string[]): T {
  const fields = { ...(snapshot as Record<string, unknown>) };
  for (const name of dateFields) if (typeof fields[name] === 'string') fields[name] = new Date(fields[name]);
  return Object.assign(make(), fields);
}

/** How a request's answer is kept with its key and rebuilt, marked as a replay, when the request is repeated. */
export interface IdempotencyCodec<T> {
  /** The resource the answer is about, recorded with the key. */
  id(result: T): string;
  snapshot(result: T): unknown;
  restore(snapshot: unknown): T;
}

/**
 * Runs `work` at most once per idempotency key: a fresh key runs it and stores `snapshot(result)` with the key in
 * the work's own transaction (so the effect and the key commit together); a replay rebuilds the stored result.
 * Without a key the work simply runs. For operations that call out between transactions, use the store directly.
 */
export async function runIdempotent<T>(
  em: EntityManager,
  principal: Principal,
  request: { key: string | null | undefined; operation: string; input: unknown },
  work: (tx: EntityManager) => Promise<T>,
  codec: IdempotencyCodec<T>,
): Promise<{ result: T; replayed: boolean }> {
  const key = IdempotencyStore.parseKey(request.key);
  if (!key) return { result: await em.transactional(work), replayed: false };
  const store = new IdempotencyStore(em);
  const claim = await store.claim(principal, key, request.operation, request.input);
  if (claim.kind === 'replay') return { result: codec.restore(claim.response), replayed: true };
  try {
    const result = await em.transactional(async (tx) => {
      const value = await work(tx);
      await store.complete(tx, claim.token, codec.id(value), codec.snapshot(value));
      return value;
    });
    return { result, replayed: false };
  } catch (error) {
    await store.release(claim.token);
    throw error;
  }
}
