import { Migration } from '@mikro-orm/migrations';

export class Migration20261121065933 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "orders"."idempotency_key" ("tenant_id" varchar(64) not null, "caller" varchar(200) not null, "key" varchar(255) not null, "operation" varchar(64) not null, "fingerprint" varchar(64) not null, "state" varchar(16) not null, "lease_until" timestamptz not null, "resource_id" varchar(64) null, "response" jsonb null, "created_at" timestamptz not null, "completed_at" timestamptz null, constraint "idempotency_key_pkey" primary key ("tenant_id", "caller", "key"));`,
    );

    this.addSql(
      `alter table "orders"."order" add column "level3" jsonb null, add column "opened_by_user_id" varchar(64) null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "orders"."idempotency_key" cascade;`);

    this.addSql(`alter table "orders"."order" drop column "level3", drop column "opened_by_user_id";`);
  }
}
