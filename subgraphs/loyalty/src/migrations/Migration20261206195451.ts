import { Migration } from '@mikro-orm/migrations';

/** The audit trail of loyalty program settings (who changed what, when, before and after). */
export class Migration20261206195451 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "loyalty"."loyalty_program_change" ("id" uuid not null, "org_id" uuid not null, "created_at" timestamptz not null, "actor_kind" varchar(32) not null, "actor_id" varchar(128) not null, "before" jsonb not null, "after" jsonb not null, constraint "loyalty_program_change_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "loyalty_program_change_org_id_created_at_index" on "loyalty"."loyalty_program_change" ("org_id", "created_at");`,
    );

    this.addSql(
      `alter table "loyalty"."loyalty_program_change" add constraint "loyalty_program_change_org_id_foreign" foreign key ("org_id") references "loyalty"."loyalty_org" ("id") on update cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "loyalty"."loyalty_program_change" cascade;`);
  }
}
