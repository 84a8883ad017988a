import { Migration } from '@mikro-orm/migrations';

export class Migration20261121062713 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "checks";`);
    this.addSql(
      `create table "checks"."check" ("id" uuid not null, "tenant_id" varchar(64) not null, "location_id" int not null, "order_id" uuid null, "pos_ref" varchar(64) not null, "order_number" varchar(32) not null, "table_name" varchar(64) null, "guest_count" int null, "status" varchar(16) not null default 'OPEN', "opened_at" timestamptz not null, "owned_by_employee_ref" varchar(64) not null, "owned_by_employee" varchar(128) not null, "taxes" int not null default 0, "is_locked" boolean not null default false, constraint "check_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "check_tenant_id_index" on "checks"."check" ("tenant_id");`);
    this.addSql(`create index "check_order_id_index" on "checks"."check" ("order_id");`);
    this.addSql(
      `alter table "checks"."check" add constraint "check_location_id_pos_ref_unique" unique ("location_id", "pos_ref");`,
    );

    this.addSql(
      `create table "checks"."check_item" ("id" uuid not null, "check_id" uuid not null, "position" int not null, "pos_ref" varchar(64) not null, "name" varchar(200) not null, "quantity" int not null, "modifiers_as_text" varchar(500) null, "price" int not null, constraint "check_item_pkey" primary key ("id"));`,
    );

    this.addSql(
      `alter table "checks"."check_item" add constraint "check_item_check_id_foreign" foreign key ("check_id") references "checks"."check" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "checks"."check_item" drop constraint "check_item_check_id_foreign";`);

    this.addSql(`drop table if exists "checks"."check" cascade;`);

    this.addSql(`drop table if exists "checks"."check_item" cascade;`);

    this.addSql(`drop schema if exists "checks";`);
  }
}
