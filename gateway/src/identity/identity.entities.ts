import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';

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
