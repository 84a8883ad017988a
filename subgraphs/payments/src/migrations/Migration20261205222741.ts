import { Migration } from '@mikro-orm/migrations';

/** Keyset indexes of the webhook delivery lists: a partner's, an endpoint's, and every partner's dead letters. */
export class Migration20261205222741 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "webhook_delivery_status_created_at_id_index" on "payments"."webhook_delivery" ("status", "created_at", "id");`,
    );
    this.addSql(
      `create index "webhook_delivery_endpoint_id_created_at_id_index" on "payments"."webhook_delivery" ("endpoint_id", "created_at", "id");`,
    );
    this.addSql(
      `create index "webhook_delivery_tenant_id_created_at_id_index" on "payments"."webhook_delivery" ("tenant_id", "created_at", "id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "payments"."webhook_delivery_status_created_at_id_index";`);
    this.addSql(`drop index "payments"."webhook_delivery_endpoint_id_created_at_id_index";`);
    this.addSql(`drop index "payments"."webhook_delivery_tenant_id_created_at_id_index";`);
  }
}
