import { Migration } from '@mikro-orm/migrations';

export class Migration20261121074359 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "payments"."payment_card" ("payment_id" uuid not null, "type" varchar(2) not null, "last4_digits" varchar(4) not null, "expiration_date" varchar(4) not null, "holder_name" varchar(64) null, "token_sealed" text not null, "universal_token_sealed" text null, constraint "payment_card_pkey" primary key ("payment_id"));`,
    );

    this.addSql(`alter table "payments"."payment" add column "tip_cents" int not null default 0;`);
    this.addSql(
      `create unique index "payment_check_invoice_unique" on "payments"."payment" ("tenant_id", "processor_reference") where "check_id" is not null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "payments"."payment_card" cascade;`);

    this.addSql(`drop index "payments"."payment_check_invoice_unique";`);
    this.addSql(`alter table "payments"."payment" drop column "tip_cents";`);
  }
}
