import { Migration } from '@mikro-orm/migrations';

export class Migration20261121091146 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "payments"."webhook_attempt" ("id" bigserial primary key, "delivery_id" uuid not null, "attempt" int not null, "status_code" int null, "error" varchar(64) null, "duration_ms" int not null, "attempted_at" timestamptz not null);`,
    );
    this.addSql(
      `create index "webhook_attempt_delivery_id_attempted_at_index" on "payments"."webhook_attempt" ("delivery_id", "attempted_at");`,
    );

    this.addSql(
      `create table "payments"."webhook_delivery" ("id" uuid not null, "tenant_id" varchar(64) not null, "endpoint_id" uuid not null, "event_id" uuid not null, "event_seq" bigint not null, "event_type" varchar(64) not null, "status" varchar(16) not null default 'PENDING', "attempts" int not null default 0, "next_attempt_at" timestamptz not null, "last_attempt_at" timestamptz null, "last_status_code" int null, "last_error" varchar(64) null, "delivered_at" timestamptz null, "replays" int not null default 0, "created_at" timestamptz not null, constraint "webhook_delivery_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "webhook_delivery_tenant_id_status_created_at_index" on "payments"."webhook_delivery" ("tenant_id", "status", "created_at");`,
    );
    this.addSql(
      `create index "webhook_delivery_due" on "payments"."webhook_delivery" ("next_attempt_at") where "status" = 'PENDING';`,
    );
    this.addSql(
      `alter table "payments"."webhook_delivery" add constraint "webhook_delivery_endpoint_id_event_id_unique" unique ("endpoint_id", "event_id");`,
    );

    this.addSql(
      `create table "payments"."webhook_endpoint" ("id" uuid not null, "tenant_id" varchar(64) not null, "url" varchar(2048) not null, "description" varchar(255) null, "event_types" jsonb not null, "status" varchar(16) not null default 'ENABLED', "disabled_reason" varchar(32) null, "secret_sealed" text not null, "previous_secret_sealed" text null, "previous_secret_expires_at" timestamptz null, "created_by" varchar(128) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "webhook_endpoint_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "webhook_endpoint_tenant_id_index" on "payments"."webhook_endpoint" ("tenant_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "payments"."webhook_attempt" cascade;`);

    this.addSql(`drop table if exists "payments"."webhook_delivery" cascade;`);

    this.addSql(`drop table if exists "payments"."webhook_endpoint" cascade;`);
  }
}
