import { Migration } from '@mikro-orm/migrations';

/** Authorization codes of the portal's sign-in (authorization code grant with PKCE). */
export class Migration20261206171740 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "identity"."authorization_code" ("code_hash" varchar(64) not null, "person_id" uuid not null, "client_id" varchar(64) not null, "redirect_uri" varchar(2000) not null, "code_challenge" varchar(64) not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "created_at" timestamptz not null, constraint "authorization_code_pkey" primary key ("code_hash"));`,
    );

    this.addSql(
      `alter table "identity"."authorization_code" add constraint "authorization_code_person_id_foreign" foreign key ("person_id") references "identity"."portal_user" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "identity"."authorization_code" cascade;`);
  }
}
