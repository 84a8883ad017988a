import { Migration } from '@mikro-orm/migrations';

/** paymentActivity totals a tenant's events of a time window: read by tenant and occurred_at, not the whole outbox. */
export class Migration20261206031500 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "payment_event_tenant_id_occurred_at_index" on "payments"."payment_event" ("tenant_id", "occurred_at");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "payments"."payment_event_tenant_id_occurred_at_index";`);
  }
}
