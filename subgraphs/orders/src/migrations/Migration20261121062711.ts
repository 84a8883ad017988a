import { Migration } from '@mikro-orm/migrations';

export class Migration20261121062711 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "orders";`);
    this.addSql(
      `create table "orders"."location" ("id" serial primary key, "tenant_id" varchar(64) not null, "name" varchar(200) not null, "timezone" varchar(64) not null, "created_at" timestamptz not null);`,
    );
    // Order numbers shown to staff and guests; not derived from row counts, so concurrent orders never share one.
    this.addSql(`create sequence "orders"."order_number_seq" start 1001;`);
    this.addSql(`create index "location_tenant_id_index" on "orders"."location" ("tenant_id");`);

    this.addSql(
      `create table "orders"."order" ("id" uuid not null, "tenant_id" varchar(64) not null, "location_id" int not null, "number" varchar(32) not null, "status" varchar(16) not null default 'OPEN', "currency" varchar(3) not null, "total_cents" int not null, "external_reference" varchar(128) null, "external_source" varchar(64) null, "external_id" varchar(128) null, "opened_by_m2m_client_id" varchar(128) null, "version" int not null default 1, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "order_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "order_location_id_created_at_index" on "orders"."order" ("location_id", "created_at");`);
    this.addSql(
      `alter table "orders"."order" add constraint "order_tenant_id_external_source_external_id_unique" unique ("tenant_id", "external_source", "external_id");`,
    );

    this.addSql(
      `alter table "orders"."order" add constraint "order_location_id_foreign" foreign key ("location_id") references "orders"."location" ("id") on update cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "orders"."order" drop constraint "order_location_id_foreign";`);

    this.addSql(`drop table if exists "orders"."location" cascade;`);

    this.addSql(`drop table if exists "orders"."order" cascade;`);

    this.addSql(`drop sequence if exists "orders"."order_number_seq";`);
    this.addSql(`drop schema if exists "orders";`);
  }
}
