import { Migration } from '@mikro-orm/migrations';

export class Migration20261121083100 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "identity"."api_key" ("key_hash" varchar(64) not null, "partner_id" varchar(64) not null, "kind" varchar(32) not null, "subject" uuid not null, "label" varchar(200) not null, "active" boolean not null default true, "created_at" timestamptz not null, constraint "api_key_pkey" primary key ("key_hash"));`,
    );

    this.addSql(
      `alter table "identity"."api_key" add constraint "api_key_partner_id_foreign" foreign key ("partner_id") references "identity"."partner" ("id") on update cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "identity"."api_key" cascade;`);
  }
}
