import { Migration } from '@mikro-orm/migrations';

/** Portal sessions: the browser holds a random id in an HttpOnly cookie, the gateway the rest. */
export class Migration20261206172411 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "identity"."portal_session" ("id" uuid not null, "token_hash" varchar(64) not null, "person_id" uuid not null, "created_at" timestamptz not null, "last_used_at" timestamptz not null, "expires_at" timestamptz not null, "revoked_at" timestamptz null, constraint "portal_session_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "identity"."portal_session" add constraint "portal_session_token_hash_unique" unique ("token_hash");`,
    );

    this.addSql(
      `alter table "identity"."portal_session" add constraint "portal_session_person_id_foreign" foreign key ("person_id") references "identity"."portal_user" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "identity"."portal_session" cascade;`);
  }
}
