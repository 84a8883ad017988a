import { Migration } from '@mikro-orm/migrations';

export class Migration20261121092449 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "identity"."launch_token" ("id" uuid not null, "token_hash" varchar(64) not null, "partner_id" varchar(64) not null, "location_id" int not null, "email" varchar(254) not null, "name" varchar(200) null, "role_slug" varchar(64) not null, "created_by_client_id" varchar(128) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "used_at" timestamptz null, constraint "launch_token_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "identity"."launch_token" add constraint "launch_token_token_hash_unique" unique ("token_hash");`,
    );

    this.addSql(
      `create table "identity"."user_session" ("id" uuid not null, "user_id" uuid not null, "location_id" int not null, "launch_token_id" uuid null, "refresh_token_hash" varchar(64) not null, "previous_refresh_token_hash" varchar(64) null, "created_at" timestamptz not null, "refreshed_at" timestamptz null, "expires_at" timestamptz not null, "revoked_at" timestamptz null, "revoked_reason" varchar(32) null, constraint "user_session_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "identity"."user_session" add constraint "user_session_launch_token_id_unique" unique ("launch_token_id");`,
    );
    this.addSql(
      `alter table "identity"."user_session" add constraint "user_session_refresh_token_hash_unique" unique ("refresh_token_hash");`,
    );
    this.addSql(
      `create index "user_session_previous_refresh_token_hash_index" on "identity"."user_session" ("previous_refresh_token_hash");`,
    );

    this.addSql(
      `alter table "identity"."launch_token" add constraint "launch_token_partner_id_foreign" foreign key ("partner_id") references "identity"."partner" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "identity"."user_session" add constraint "user_session_user_id_foreign" foreign key ("user_id") references "identity"."pos_user" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "identity"."user_session" add constraint "user_session_launch_token_id_foreign" foreign key ("launch_token_id") references "identity"."launch_token" ("id") on update cascade on delete set null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "identity"."user_session" drop constraint "user_session_launch_token_id_foreign";`);

    this.addSql(`drop table if exists "identity"."launch_token" cascade;`);

    this.addSql(`drop table if exists "identity"."user_session" cascade;`);
  }
}
