import { Migration } from '@mikro-orm/migrations';

export class Migration20261121092854 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "orders"."order" add column "return_url" varchar(2048) null, add column "cancel_url" varchar(2048) null, add column "checkout_id" uuid null, add column "checkout_expires_at" timestamptz null, add column "checkout_paid_at" timestamptz null, add column "checkout_payment_id" uuid null;`,
    );
    this.addSql(`alter table "orders"."order" add constraint "order_checkout_id_unique" unique ("checkout_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "orders"."order" drop constraint "order_checkout_id_unique";`);
    this.addSql(
      `alter table "orders"."order" drop column "return_url", drop column "cancel_url", drop column "checkout_id", drop column "checkout_expires_at", drop column "checkout_paid_at", drop column "checkout_payment_id";`,
    );
  }
}
