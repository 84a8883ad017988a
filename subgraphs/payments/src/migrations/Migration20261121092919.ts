import { Migration } from '@mikro-orm/migrations';

export class Migration20261121092919 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "payments"."payment" add column "expires_at" timestamptz null;`);
    this.addSql(
      `create index "payment_pending_expiry_index" on "payments"."payment" ("expires_at") where "status" = 'PENDING' and "expires_at" is not null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "payments"."payment_pending_expiry_index";`);
    this.addSql(`alter table "payments"."payment" drop column "expires_at";`);
  }
}
