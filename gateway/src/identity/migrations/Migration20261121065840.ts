import { Migration } from '@mikro-orm/migrations';

export class Migration20261121065840 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "identity"."pos_user" ("id" uuid not null, "partner_id" varchar(64) not null, "email" varchar(254) not null, "name" varchar(200) not null, "active" boolean not null default true, "created_at" timestamptz not null, constraint "pos_user_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "identity"."pos_user" add constraint "pos_user_partner_id_email_unique" unique ("partner_id", "email");`,
    );

    this.addSql(
      `create table "identity"."pos_user_role" ("id" uuid not null, "user_id" uuid not null, "location_id" int not null, "role_slug" varchar(64) not null, constraint "pos_user_role_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "identity"."pos_user_role" add constraint "pos_user_role_user_id_location_id_unique" unique ("user_id", "location_id");`,
    );

    this.addSql(
      `alter table "identity"."pos_user" add constraint "pos_user_partner_id_foreign" foreign key ("partner_id") references "identity"."partner" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "identity"."pos_user_role" add constraint "pos_user_role_user_id_foreign" foreign key ("user_id") references "identity"."pos_user" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "identity"."pos_user_role" drop constraint "pos_user_role_user_id_foreign";`);

    this.addSql(`drop table if exists "identity"."pos_user" cascade;`);

    this.addSql(`drop table if exists "identity"."pos_user_role" cascade;`);
  }
}
