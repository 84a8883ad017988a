import { Migration } from '@mikro-orm/migrations';

/**
 * People who sign in to the portal with a password (partner admins and developers, operators), and the counters
 * that bound password guessing per account and per address.
 */
export class Migration20261206171234 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "identity"."portal_user" ("id" uuid not null, "partner_id" varchar(64) not null, "email" varchar(254) not null, "name" varchar(200) not null, "role" varchar(32) not null, "password_hash" varchar(200) not null, "active" boolean not null default true, "created_at" timestamptz not null, constraint "portal_user_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "identity"."portal_user" add constraint "portal_user_email_unique" unique ("email");`);

    this.addSql(
      `create table "identity"."sign_in_throttle" ("key" varchar(300) not null, "failures" int not null default 0, "window_started_at" timestamptz not null, "locked_until" timestamptz null, constraint "sign_in_throttle_pkey" primary key ("key"));`,
    );

    this.addSql(
      `alter table "identity"."portal_user" add constraint "portal_user_partner_id_foreign" foreign key ("partner_id") references "identity"."partner" ("id") on update cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "identity"."portal_user" cascade;`);

    this.addSql(`drop table if exists "identity"."sign_in_throttle" cascade;`);
  }
}
