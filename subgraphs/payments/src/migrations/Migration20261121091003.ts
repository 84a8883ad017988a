import { Migration } from '@mikro-orm/migrations';

export class Migration20261121091003 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "payments"."payment" add column "reversal_requested_at" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "payments"."payment" drop column "reversal_requested_at";`);
  }
}
