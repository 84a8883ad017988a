import { Migration } from '@mikro-orm/migrations';

export class Migration20261121062730 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "payments";`);
    this.addSql(
      `create table "payments"."payment" ("id" uuid not null, "tenant_id" varchar(64) not null, "order_id" uuid null, "check_id" uuid null, "status" varchar(16) not null default 'PENDING', "amount_cents" int not null, "currency" varchar(3) not null, "created_at" timestamptz not null, constraint "payment_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "payment_tenant_id_index" on "payments"."payment" ("tenant_id");`);
    this.addSql(`create index "payment_order_id_index" on "payments"."payment" ("order_id");`);
    this.addSql(`create index "payment_check_id_index" on "payments"."payment" ("check_id");`);

    this.addSql(
      `create table "payments"."payment_event" ("seq" bigserial primary key, "tenant_id" varchar(64) not null, "type" varchar(64) not null, "payment_id" uuid not null, "occurred_at" timestamptz not null);`,
    );
    this.addSql(`create index "payment_event_tenant_id_seq_index" on "payments"."payment_event" ("tenant_id", "seq");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "payments"."payment" cascade;`);

    this.addSql(`drop table if exists "payments"."payment_event" cascade;`);

    this.addSql(`drop schema if exists "payments";`);
  }
}
