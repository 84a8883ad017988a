import { Migration } from '@mikro-orm/migrations';

/**
 * The keyset indexes of the payment and refund lists, by (created_at, id); they also serve the lookups by tenant,
 * order, check and payment that the single-column indexes they replace served.
 */
export class Migration20261206032229 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index "payments"."payment_check_id_index";`);
    this.addSql(`drop index "payments"."payment_order_id_index";`);
    this.addSql(`drop index "payments"."payment_tenant_id_index";`);

    this.addSql(
      `create index "payment_check_id_created_at_id_index" on "payments"."payment" ("check_id", "created_at", "id");`,
    );
    this.addSql(
      `create index "payment_order_id_created_at_id_index" on "payments"."payment" ("order_id", "created_at", "id");`,
    );
    this.addSql(
      `create index "payment_location_id_created_at_id_index" on "payments"."payment" ("location_id", "created_at", "id");`,
    );
    this.addSql(
      `create index "payment_tenant_id_created_at_id_index" on "payments"."payment" ("tenant_id", "created_at", "id");`,
    );

    this.addSql(`drop index "payments"."refund_payment_id_index";`);

    this.addSql(
      `create index "refund_payment_id_created_at_id_index" on "payments"."refund" ("payment_id", "created_at", "id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "payments"."payment_check_id_created_at_id_index";`);
    this.addSql(`drop index "payments"."payment_order_id_created_at_id_index";`);
    this.addSql(`drop index "payments"."payment_location_id_created_at_id_index";`);
    this.addSql(`drop index "payments"."payment_tenant_id_created_at_id_index";`);

    this.addSql(`create index "payment_check_id_index" on "payments"."payment" ("check_id");`);
    this.addSql(`create index "payment_order_id_index" on "payments"."payment" ("order_id");`);
    this.addSql(`create index "payment_tenant_id_index" on "payments"."payment" ("tenant_id");`);

    this.addSql(`drop index "payments"."refund_payment_id_created_at_id_index";`);

    this.addSql(`create index "refund_payment_id_index" on "payments"."refund" ("payment_id");`);
  }
}
