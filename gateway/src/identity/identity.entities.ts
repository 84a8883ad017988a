import { randomUUID } from 'node:crypto';
import {
  BeforeCreate,
  BeforeUpdate,
  Collection,
  Entity,
  ManyToOne,
  OneToMany,
  PrimaryKey,
  Property,
  Unique,
} from '@mikro-orm/core';

/** A partner: the tenant every read, write and subscription is scoped to. */
@Entity({ tableName: 'partner' })
export class Partner {
  @PrimaryKey({ length: 64 })
  id!: string;

  @Property({ length: 200 })
  name!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

/** An OAuth client (client_credentials) of a partner. The secret is kept only as a scrypt hash. */
@Entity({ tableName: 'api_client' })
export class ApiClient {
  @PrimaryKey({ length: 128 })
  clientId!: string;

  @ManyToOne(() => Partner)
  partner!: Partner;

  /** scrypt$<N>$<r>$<p>$<salt b64>$<hash b64> */
  @Property({ length: 300 })
  secretHash!: string;

  /** Space-separated scopes the client may be granted. */
  @Property({ type: 'text' })
  allowedScopes!: string;

  @Property()
  active: boolean = true;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

/** An RS256 key pair of the built-in issuer. The private key is encrypted with KEY_ENCRYPTION_KEY. */
@Entity({ tableName: 'signing_key' })
export class SigningKey {
  @PrimaryKey({ length: 64 })
  kid!: string;

  @Property({ type: 'json' })
  publicJwk!: Record<string, unknown>;

  @Property({ type: 'text' })
  privateJwkEncrypted!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

/** Emails compare case-insensitively; storing them lower-cased lets a plain unique constraint enforce that. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** A person using the POS app at a partner's locations (a cashier, a manager), as opposed to an M2M client. */
@Entity({ tableName: 'pos_user' })
@Unique({ properties: ['partner', 'email'] })
export class PosUser {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Partner)
  partner!: Partner;

  /** Lower-cased on every write, so it is unique per partner whatever the casing it arrives in. */
  @Property({ length: 254 })
  email!: string;

  @Property({ length: 200 })
  name!: string;

  @Property()
  active: boolean = true;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @OneToMany(() => PosUserRole, (role) => role.user)
  roles = new Collection<PosUserRole>(this);

  @BeforeCreate()
  @BeforeUpdate()
  protected normalize(): void {
    this.email = normalizeEmail(this.email);
  }
}

/** A POS user's role at one location; the role decides the scopes (see auth/roles.ts). */
@Entity({ tableName: 'pos_user_role' })
@Unique({ properties: ['user', 'locationId'] })
export class PosUserRole {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => PosUser, { deleteRule: 'cascade' })
  user!: PosUser;

  /** A location of the user's partner (owned by the orders subgraph, so no foreign key across schemas). */
  @Property({ type: 'integer' })
  locationId!: number;

  /** A key of ROLE_SCOPES; a slug the gateway does not know grants nothing. */
  @Property({ length: 64 })
  roleSlug!: string;
}

/** What an API key stands for: a loyalty org's POS integration, or a loyalty customer's dashboard. */
export const API_KEY_KINDS = ['loyaltyOrg', 'loyaltyCustomer'] as const;
export type ApiKeyKind = (typeof API_KEY_KINDS)[number];

/**
 * A static API key, presented as `X-Api-Key` (the loyalty API's scheme). Only its SHA-256 is kept: keys are long
 * and random, so a fast hash is as safe as a slow one and lets a request be checked with one indexed lookup.
 */
@Entity({ tableName: 'api_key' })
export class ApiKey {
  @PrimaryKey({ length: 64 })
  keyHash!: string;

  @ManyToOne(() => Partner)
  partner!: Partner;

  @Property({ length: 32 })
  kind!: ApiKeyKind;

  /** The loyalty org's or customer's id (owned by the loyalty subgraph, so no foreign key across schemas). */
  @Property({ type: 'uuid' })
  subject!: string;

  @Property({ length: 200 })
  label!: string;

  @Property()
  active: boolean = true;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
