import { Migration } from '@mikro-orm/migrations';

/**
 * Managing a partner's credentials from the portal: what the platform granted each partner (filled with what its
 * clients hold today, so that nobody loses a scope), a name and a rotation overlap for API clients, an id and a
 * revocation time for API keys, and the audit trail of every change.
 */
export class Migration20261206194641 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "identity"."audit_event" ("id" uuid not null, "partner_id" varchar(64) not null, "actor_kind" varchar(32) not null, "actor_id" varchar(128) not null, "actor_name" varchar(254) not null, "action" varchar(64) not null, "target_type" varchar(32) not null, "target_id" varchar(128) not null, "before" jsonb null, "after" jsonb null, "at" timestamptz not null, constraint "audit_event_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "audit_event_partner_id_at_index" on "identity"."audit_event" ("partner_id", "at");`);

    this.addSql(
      `alter table "identity"."audit_event" add constraint "audit_event_partner_id_foreign" foreign key ("partner_id") references "identity"."partner" ("id") on update cascade;`,
    );

    this.addSql(`alter table "identity"."partner" add column "granted_scopes" text not null default '';`);

    this.addSql(
      `update "identity"."partner" p set "granted_scopes" = coalesce((select string_agg(distinct s, ' ' order by s) from "identity"."api_client" c, unnest(string_to_array(c."allowed_scopes", ' ')) s where c."partner_id" = p."id" and s <> ''), '');`,
    );

    // Existing keys get an id of their own; the column then matches the entity (no default in the database).
    this.addSql(
      `alter table "identity"."api_key" add column "id" uuid null, add column "revoked_at" timestamptz null;`,
    );
    this.addSql(`update "identity"."api_key" set "id" = gen_random_uuid();`);
    this.addSql(`alter table "identity"."api_key" alter column "id" set not null;`);
    this.addSql(`alter table "identity"."api_key" add constraint "api_key_id_unique" unique ("id");`);

    this.addSql(
      `alter table "identity"."api_client" add column "name" varchar(200) not null default '', add column "previous_secret_hash" varchar(300) null, add column "previous_secret_expires_at" timestamptz null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "identity"."audit_event" cascade;`);

    this.addSql(
      `alter table "identity"."api_client" drop column "name", drop column "previous_secret_hash", drop column "previous_secret_expires_at";`,
    );

    this.addSql(`alter table "identity"."api_key" drop constraint "api_key_id_unique";`);
    this.addSql(`alter table "identity"."api_key" drop column "id", drop column "revoked_at";`);

    this.addSql(`alter table "identity"."partner" drop column "granted_scopes";`);
  }
}
