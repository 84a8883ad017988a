import { Migration } from '@mikro-orm/migrations';

export class Migration20261121070258 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "payments"."idempotency_key" ("tenant_id" varchar(64) not null, "caller" varchar(200) not null, "key" varchar(255) not null, "operation" varchar(64) not null, "fingerprint" varchar(64) not null, "state" varchar(16) not null, "lease_until" timestamptz not null, "resource_id" varchar(64) null, "response" jsonb null, "created_at" timestamptz not null, "completed_at" timestamptz null, constraint "idempotency_key_pkey" primary key ("tenant_id", "caller", "key"));`,
    );

    this.addSql(
      `create table "payments"."payable" ("id" uuid not null, "tenant_id" varchar(64) not null, "kind" varchar(16) not null, "created_at" timestamptz not null, constraint "payable_pkey" primary key ("id"));`,
    );

    this.addSql(
      `create table "payments"."refund" ("id" uuid not null, "tenant_id" varchar(64) not null, "payment_id" uuid not null, "status" varchar(16) not null default 'PENDING', "amount_cents" int not null, "currency" varchar(3) not null, "reason" varchar(255) null, "processor_reference" varchar(128) null, "failure_code" varchar(64) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "refund_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "refund_payment_id_index" on "payments"."refund" ("payment_id");`);

    this.addSql(
      `alter table "payments"."payment" add column "location_id" int null, add column "refunded_cents" int not null default 0, add column "entry_mode" varchar(24) not null default 'CARD_PRESENT', add column "processor" varchar(32) not null default 'valor', add column "processor_reference" varchar(128) null, add column "authorization_code" varchar(32) null, add column "failure_code" varchar(64) null, add column "settled_at" timestamptz null, add column "void_requested_at" timestamptz null, add column "version" int not null default 1, add column "updated_at" timestamptz not null default now();`,
    );
    this.addSql(
      `alter table "payments"."payment" alter column "status" type varchar(24) using ("status"::varchar(24));`,
    );
    this.addSql(
      `create index "payment_tenant_id_location_id_settled_at_index" on "payments"."payment" ("tenant_id", "location_id", "settled_at");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "payments"."idempotency_key" cascade;`);

    this.addSql(`drop table if exists "payments"."payable" cascade;`);

    this.addSql(`drop table if exists "payments"."refund" cascade;`);

    this.addSql(`drop index "payments"."payment_tenant_id_location_id_settled_at_index";`);
    this.addSql(
      `alter table "payments"."payment" drop column "location_id", drop column "refunded_cents", drop column "entry_mode", drop column "processor", drop column "processor_reference", drop column "authorization_code", drop column "failure_code", drop column "settled_at", drop column "void_requested_at", drop column "version", drop column "updated_at";`,
    );

    this.addSql(
      `alter table "payments"."payment" alter column "status" type varchar(16) using ("status"::varchar(16));`,
    );
  }
}
