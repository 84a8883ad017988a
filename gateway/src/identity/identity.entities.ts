import { randomUUID } from 'node:crypto';
import {
  BeforeCreate,
  BeforeUpdate,
  Collection,
  Entity,
  Index,
  ManyToOne,
  OneToMany,
  OneToOne,
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

  /**
   * Space-separated scopes the platform has granted the partner (its plan): the most any client of the partner may
   * hold. A person of the partner creating a client grants at most these, narrowed further by their role.
   */
  @Property({ type: 'text', default: '' })
  grantedScopes: string = '';

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

  /** What the partner calls it (shown in the portal); the demo and older clients have none. */
  @Property({ length: 200, default: '' })
  name: string = '';

  /** scrypt$<N>$<r>$<p>$<salt b64>$<hash b64> */
  @Property({ length: 300 })
  secretHash!: string;

  /**
   * After a rotation, the secret before it, accepted until {@link previousSecretExpiresAt} so that the partner can
   * roll the new one out to every running copy of its integration without an outage. Null when there is none.
   */
  @Property({ length: 300, nullable: true })
  previousSecretHash: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null = null;

  /** Space-separated scopes the client may be granted. */
  @Property({ type: 'text' })
  allowedScopes!: string;

  /**
   * Whether the client may send GraphQL documents of its own when TRUSTED_DOCUMENTS is `require`: true for a
   * partner's integration, which writes its own operations; false for a first-party app, which may only send the
   * trusted documents of @pos/client's manifest by their hash (docs/graphql/typed-client.md).
   */
  @Property({ default: true })
  freeDocuments: boolean = true;

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

  /** How the portal and the API name the key (its hash is never shown). */
  @Property({ type: 'uuid', unique: true })
  id: string = randomUUID();

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

  /** When it was revoked (active false); null while it works. */
  @Property({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;
}

/** What a person of the portal may do: everything of their partner, its integrations only, or the platform's. */
export const PORTAL_ROLES = ['partner_admin', 'partner_developer', 'operator'] as const;
export type PortalRole = (typeof PORTAL_ROLES)[number];

/**
 * A person who signs in to the portal with an email and a password: a partner's admin or developer, or an operator
 * of the platform (a member of the operators' tenant). Unlike a POS user, whom a partner vouches for with a launch
 * link, this person proves who they are to us, so the row holds a scrypt hash of their password. The email is unique
 * across partners: the sign-in page asks for nothing else.
 */
@Entity({ tableName: 'portal_user' })
export class PortalUser {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Partner)
  partner!: Partner;

  /** Lower-cased on every write, so it is unique whatever the casing it arrives in. */
  @Property({ length: 254, unique: true })
  email!: string;

  @Property({ length: 200 })
  name!: string;

  @Property({ length: 32 })
  role!: PortalRole;

  /** scrypt, as hashSecret writes it. */
  @Property({ length: 200 })
  passwordHash!: string;

  /** A disabled person cannot sign in; their rows stay for the audit trail. */
  @Property()
  active: boolean = true;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @BeforeCreate()
  @BeforeUpdate()
  protected normalize(): void {
    this.email = normalizeEmail(this.email);
  }
}

/**
 * An OAuth 2.0 authorization code (RFC 6749 §4.1) given to a portal person's browser after they signed in, for the
 * client named in it to exchange once, within a minute, with the PKCE verifier of `codeChallenge` (RFC 7636, S256
 * only). Only the code's SHA-256 is kept. Any exchange spends it, a failed one too: a code tried with a wrong
 * verifier or redirect URI is not left for a second guess.
 */
@Entity({ tableName: 'authorization_code' })
export class AuthorizationCode {
  @PrimaryKey({ length: 64 })
  codeHash!: string;

  @ManyToOne(() => PortalUser, { deleteRule: 'cascade' })
  person!: PortalUser;

  @Property({ length: 64 })
  clientId!: string;

  @Property({ length: 2000 })
  redirectUri!: string;

  /** BASE64URL(SHA-256(code_verifier)), 43 characters. */
  @Property({ length: 64 })
  codeChallenge!: string;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  usedAt: Date | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

/**
 * A portal person's signed-in browser (the backend-for-frontend pattern of OAuth 2.0 for Browser-Based Apps): the
 * browser holds only a random session id in an HttpOnly cookie, whose SHA-256 is kept here; no access or refresh
 * token ever reaches it. A session ends at `expiresAt` (absolute), after `idle` without use, or when revoked.
 */
@Entity({ tableName: 'portal_session' })
export class PortalSession {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ length: 64, unique: true })
  tokenHash!: string;

  @ManyToOne(() => PortalUser, { deleteRule: 'cascade' })
  person!: PortalUser;

  @Property({ type: 'timestamptz' })
  createdAt!: Date;

  @Property({ type: 'timestamptz' })
  lastUsedAt!: Date;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;
}

/**
 * Failed password sign-ins counted per key (`account:<email>` or `address:<ip>`) in a fixed window, and the lock
 * that too many of them set. In PostgreSQL rather than a replica's memory, so that every gateway counts the same
 * guesses.
 */
@Entity({ tableName: 'sign_in_throttle' })
export class SignInThrottle {
  @PrimaryKey({ length: 300 })
  key!: string;

  @Property({ type: 'integer' })
  failures: number = 0;

  @Property({ type: 'timestamptz' })
  windowStartedAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  lockedUntil: Date | null = null;
}

/**
 * An SSO launch link's token (`POST /pos/v1/launch-tokens`): a partner's M2M client vouches for a person at one of
 * its locations, and the POS app exchanges the token once for a session (`/pos/v1/public/launch-exchange`). The
 * token itself is 32 random bytes shown once; only its SHA-256 is kept, so a stolen table opens nothing and a forged
 * token is simply unknown. Used rows stay: a second exchange of the same token must be recognised as a reuse
 * (RFC 6749 §4.1.2) to revoke the session the first one produced.
 */
@Entity({ tableName: 'launch_token' })
export class LaunchToken {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** SHA-256 of the token, hex. */
  @Property({ length: 64 })
  @Unique()
  tokenHash!: string;

  @ManyToOne(() => Partner)
  partner!: Partner;

  /** A location of the partner (checked through the graph at minting); the only one the session opens. */
  @Property({ type: 'integer' })
  locationId!: number;

  /** Normalised ({@link normalizeEmail}): the POS user is found or provisioned by partner and email. */
  @Property({ length: 254 })
  email!: string;

  /** The name a provisioned user gets; null: the email's local part. */
  @Property({ length: 200, nullable: true })
  name: string | null = null;

  /** The role a user without a role at the location gets there (a key of ROLE_SCOPES). */
  @Property({ length: 64 })
  roleSlug!: string;

  /** The M2M client that minted the token; a token of a client disabled since is refused. */
  @Property({ length: 128 })
  createdByClientId!: string;

  @Property({ type: 'timestamptz' })
  createdAt!: Date;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  /** Set by the one exchange that succeeded; a token with it set is a reuse. */
  @Property({ type: 'timestamptz', nullable: true })
  usedAt: Date | null = null;
}

/** Why a session stopped before its end. */
export type SessionRevokedReason = 'launch_token_reused' | 'refresh_token_reused' | 'signed_out';

/**
 * A POS user's session at one location, as a launch-link exchange starts it (standing in for a Cognito session):
 * its access tokens carry its id as `sid`, and the verifier refuses them once it is revoked; its refresh tokens
 * ({@link RefreshToken}, one family per session) mint new access tokens until it ends.
 */
@Entity({ tableName: 'user_session' })
export class UserSession {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => PosUser, { deleteRule: 'cascade' })
  user!: PosUser;

  /** The launch token's location: the session's access tokens open this location only. */
  @Property({ type: 'integer' })
  locationId!: number;

  /** The launch token that produced the session: its reuse revokes the session. */
  @OneToOne(() => LaunchToken, { owner: true, nullable: true })
  launchToken: LaunchToken | null = null;

  @Property({ type: 'timestamptz' })
  createdAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  refreshedAt: Date | null = null;

  /** The refresh token works until then (refreshing does not extend it); a new launch starts a new session. */
  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;

  @Property({ length: 32, nullable: true })
  revokedReason: SessionRevokedReason | null = null;
}

/**
 * A refresh token of a session, kept (as SHA-256 only) for the session's life: every token a session ever had is a
 * member of its family, so presenting one that was rotated out is recognised, however many rotations ago, and
 * revokes the session (OAuth 2.0 Security BCP, refresh token rotation). Only the newest, not rotated yet, refreshes.
 */
@Entity({ tableName: 'refresh_token' })
// At most one newest token per session: two refreshes of one token can never both leave a live successor.
@Unique({
  name: 'refresh_token_newest_per_session_unique',
  expression:
    'create unique index "refresh_token_newest_per_session_unique" on "identity"."refresh_token" ("session_id") where "rotated_at" is null',
})
export class RefreshToken {
  /** SHA-256 of the token, hex. */
  @PrimaryKey({ length: 64 })
  tokenHash!: string;

  @ManyToOne(() => UserSession, { deleteRule: 'cascade', index: true })
  session!: UserSession;

  @Property({ type: 'timestamptz' })
  issuedAt!: Date;

  /** When it was exchanged for the next one; null: the newest of its session, the only one that refreshes. */
  @Property({ type: 'timestamptz', nullable: true })
  rotatedAt: Date | null = null;
}

/**
 * One change a person (or client) made to a partner's credentials: an API client created, renamed, disabled or its
 * secret rotated, a POS key issued or revoked. Who, when, and the record before and after (never a secret or its
 * hash). Kept for good: the trail must outlive the client it describes, so no foreign key to it.
 */
@Entity({ tableName: 'audit_event' })
@Index({ properties: ['partner', 'at'] })
export class AuditEvent {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Partner)
  partner!: Partner;

  /** The principal's kind (`person`, `m2m`) and subject (the person's or client's id). */
  @Property({ length: 32 })
  actorKind!: string;

  @Property({ length: 128 })
  actorId!: string;

  /** What the actor was called at the time (a person's email, a client's id). */
  @Property({ length: 254 })
  actorName!: string;

  /** e.g. `api_client.created`, `api_client.secret_rotated`, `pos_key.revoked`. */
  @Property({ length: 64 })
  action!: string;

  @Property({ length: 32 })
  targetType!: string;

  @Property({ length: 128 })
  targetId!: string;

  @Property({ type: 'json', nullable: true })
  before: Record<string, unknown> | null = null;

  @Property({ type: 'json', nullable: true })
  after: Record<string, unknown> | null = null;

  @Property({ type: 'timestamptz' })
  at: Date = new Date();
}
