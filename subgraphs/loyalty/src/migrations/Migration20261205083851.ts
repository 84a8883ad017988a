import { Migration } from '@mikro-orm/migrations';

/** Wrong PINs, one row each, counted per customer for the PIN lock. */
export class Migration20261205083851 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "loyalty"."loyalty_pin_failure" ("id" uuid not null, "customer_id" uuid not null, "challenge_id" uuid not null, "failed_at" timestamptz not null, constraint "loyalty_pin_failure_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "loyalty_pin_failure_customer_id_failed_at_index" on "loyalty"."loyalty_pin_failure" ("customer_id", "failed_at");`,
    );
    this.addSql(
      `alter table "loyalty"."loyalty_pin_failure" add constraint "loyalty_pin_failure_customer_id_foreign" foreign key ("customer_id") references "loyalty"."loyalty_customer" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "loyalty"."loyalty_pin_failure" add constraint "loyalty_pin_failure_challenge_id_foreign" foreign key ("challenge_id") references "loyalty"."loyalty_pin_challenge" ("id") on update cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "loyalty"."loyalty_pin_failure" cascade;`);
  }
}
