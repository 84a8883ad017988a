import { Migration } from '@mikro-orm/migrations';

/**
 * Reservations: what the payments subgraph holds on a check for each payment (by payment id). No backfill: payments
 * recorded before this release hold nothing here, so only the payments ledger bounds them (at payment time).
 */
export class Migration20261205082732 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "checks"."check_reservation" ("payment_id" uuid not null, "check_id" uuid not null, "amount_cents" int not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "check_reservation_pkey" primary key ("payment_id"));`,
    );
    this.addSql(`create index "check_reservation_check_id_index" on "checks"."check_reservation" ("check_id");`);

    this.addSql(
      `alter table "checks"."check_reservation" add constraint "check_reservation_check_id_foreign" foreign key ("check_id") references "checks"."check" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "checks"."check_reservation" cascade;`);
  }
}
