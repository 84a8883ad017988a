import { Migration } from '@mikro-orm/migrations';

/**
 * Refresh token families: every refresh token a session has had becomes a row of `refresh_token` (instead of the
 * session's current and previous hash), so a replay of any earlier one is recognised. Existing sessions keep working:
 * their current token becomes the newest of their family and their previous one a rotated member.
 */
export class Migration20261205083054 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "identity"."refresh_token" ("token_hash" varchar(64) not null, "session_id" uuid not null, "issued_at" timestamptz not null, "rotated_at" timestamptz null, constraint "refresh_token_pkey" primary key ("token_hash"));`,
    );
    this.addSql(`create index "refresh_token_session_id_index" on "identity"."refresh_token" ("session_id");`);
    this.addSql(
      `create unique index "refresh_token_newest_per_session_unique" on "identity"."refresh_token" ("session_id") where "rotated_at" is null;`,
    );

    this.addSql(
      `alter table "identity"."refresh_token" add constraint "refresh_token_session_id_foreign" foreign key ("session_id") references "identity"."user_session" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `insert into "identity"."refresh_token" ("token_hash", "session_id", "issued_at", "rotated_at") select "refresh_token_hash", "id", coalesce("refreshed_at", "created_at"), null from "identity"."user_session";`,
    );
    // When the previous token was issued is not kept; the session's start is the earliest it can have been.
    this.addSql(
      `insert into "identity"."refresh_token" ("token_hash", "session_id", "issued_at", "rotated_at") select "previous_refresh_token_hash", "id", "created_at", coalesce("refreshed_at", "created_at") from "identity"."user_session" where "previous_refresh_token_hash" is not null;`,
    );

    this.addSql(`drop index "identity"."user_session_previous_refresh_token_hash_index";`);
    this.addSql(`alter table "identity"."user_session" drop constraint "user_session_refresh_token_hash_unique";`);
    this.addSql(
      `alter table "identity"."user_session" drop column "refresh_token_hash", drop column "previous_refresh_token_hash";`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "identity"."user_session" add column "refresh_token_hash" varchar(64) null, add column "previous_refresh_token_hash" varchar(64) null;`,
    );
    this.addSql(
      `update "identity"."user_session" s set "refresh_token_hash" = t."token_hash" from "identity"."refresh_token" t where t."session_id" = s."id" and t."rotated_at" is null;`,
    );
    this.addSql(
      `update "identity"."user_session" s set "previous_refresh_token_hash" = (select t."token_hash" from "identity"."refresh_token" t where t."session_id" = s."id" and t."rotated_at" is not null order by t."rotated_at" desc limit 1);`,
    );
    this.addSql(`alter table "identity"."user_session" alter column "refresh_token_hash" set not null;`);
    this.addSql(
      `create index "user_session_previous_refresh_token_hash_index" on "identity"."user_session" ("previous_refresh_token_hash");`,
    );
    this.addSql(
      `alter table "identity"."user_session" add constraint "user_session_refresh_token_hash_unique" unique ("refresh_token_hash");`,
    );

    this.addSql(`drop table if exists "identity"."refresh_token" cascade;`);
  }
}
