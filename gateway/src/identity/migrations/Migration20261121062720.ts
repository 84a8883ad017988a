import { Migration } from '@mikro-orm/migrations';

export class Migration20261121062720 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "identity";`);
    this.addSql(
      `create table "identity"."partner" ("id" varchar(64) not null, "name" varchar(200) not null, "created_at" timestamptz not null, constraint "partner_pkey" primary key ("id"));`,
    );

    this.addSql(
      `create table "identity"."api_client" ("client_id" varchar(128) not null, "partner_id" varchar(64) not null, "secret_hash" varchar(300) not null, "allowed_scopes" text not null, "active" boolean not null default true, "created_at" timestamptz not null, constraint "api_client_pkey" primary key ("client_id"));`,
    );

    this.addSql(
      `create table "identity"."signing_key" ("kid" varchar(64) not null, "public_jwk" jsonb not null, "private_jwk_encrypted" text not null, "created_at" timestamptz not null, constraint "signing_key_pkey" primary key ("kid"));`,
    );

    this.addSql(
      `alter table "identity"."api_client" add constraint "api_client_partner_id_foreign" foreign key ("partner_id") references "identity"."partner" ("id") on update cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "identity"."api_client" drop constraint "api_client_partner_id_foreign";`);

    this.addSql(`drop table if exists "identity"."partner" cascade;`);

    this.addSql(`drop table if exists "identity"."api_client" cascade;`);

    this.addSql(`drop table if exists "identity"."signing_key" cascade;`);

    this.addSql(`drop schema if exists "identity";`);
  }
}
