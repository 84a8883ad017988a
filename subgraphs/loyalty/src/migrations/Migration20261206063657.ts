import { Migration } from '@mikro-orm/migrations';

/** The kit's idempotency keys, in this schema so a key commits with the redemption or reversal it guards. */
export class Migration20261206063657 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "loyalty"."idempotency_key" ("tenant_id" varchar(64) not null, "caller" varchar(200) not null, "key" varchar(255) not null, "operation" varchar(64) not null, "fingerprint" varchar(64) not null, "state" varchar(16) not null, "lease_until" timestamptz not null, "resource_id" varchar(64) null, "response" jsonb null, "created_at" timestamptz not null, "completed_at" timestamptz null, constraint "idempotency_key_pkey" primary key ("tenant_id", "caller", "key"));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "loyalty"."idempotency_key" cascade;`);
  }
}
