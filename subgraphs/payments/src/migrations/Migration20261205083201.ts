import { Migration } from '@mikro-orm/migrations';

/** The outbox of reservations on checks: one row per payment while the checks subgraph has something to hear. */
export class Migration20261205083201 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "payments"."check_hold" ("payment_id" uuid not null, "tenant_id" varchar(64) not null, "status" varchar(16) not null default 'reserving', "held_cents" int not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "check_hold_pkey" primary key ("payment_id"));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "payments"."check_hold" cascade;`);
  }
}
