import { Migration } from '@mikro-orm/migrations';

export class Migration20261121062718 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "loyalty";`);
    this.addSql(
      `create table "loyalty"."loyalty_org" ("id" uuid not null, "tenant_id" varchar(64) not null, "name" varchar(200) not null, "preset" varchar(16) not null, "api_key_hash" varchar(64) not null, "subscription_active" boolean not null default true, "earn_ratio" double precision not null default 1, "stamps_per_card" int not null default 5, "max_stamps_per_earn" int not null default 5, "reward_name" varchar(200) not null default 'Free Coffee', constraint "loyalty_org_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "loyalty_org_tenant_id_index" on "loyalty"."loyalty_org" ("tenant_id");`);
    this.addSql(
      `alter table "loyalty"."loyalty_org" add constraint "loyalty_org_api_key_hash_unique" unique ("api_key_hash");`,
    );

    this.addSql(
      `create table "loyalty"."loyalty_customer" ("id" uuid not null, "org_id" uuid not null, "code" varchar(6) not null, "points" int not null default 0, "stamps" int not null default 0, constraint "loyalty_customer_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "loyalty"."loyalty_customer" add constraint "loyalty_customer_code_unique" unique ("code");`,
    );

    this.addSql(
      `alter table "loyalty"."loyalty_customer" add constraint "loyalty_customer_org_id_foreign" foreign key ("org_id") references "loyalty"."loyalty_org" ("id") on update cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "loyalty"."loyalty_customer" drop constraint "loyalty_customer_org_id_foreign";`);

    this.addSql(`drop table if exists "loyalty"."loyalty_org" cascade;`);

    this.addSql(`drop table if exists "loyalty"."loyalty_customer" cascade;`);

    this.addSql(`drop schema if exists "loyalty";`);
  }
}
