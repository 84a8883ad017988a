import { Migration } from '@mikro-orm/migrations';

/** The keyset indexes of the order lists: a location's orders and the caller's, by (created_at, id). */
export class Migration20261206024541 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index "orders"."order_location_id_created_at_index";`);
    this.addSql(
      `create index "order_tenant_id_created_at_id_index" on "orders"."order" ("tenant_id", "created_at", "id");`,
    );
    this.addSql(
      `create index "order_location_id_created_at_id_index" on "orders"."order" ("location_id", "created_at", "id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "orders"."order_tenant_id_created_at_id_index";`);
    this.addSql(`drop index "orders"."order_location_id_created_at_id_index";`);
    this.addSql(`create index "order_location_id_created_at_index" on "orders"."order" ("location_id", "created_at");`);
  }
}
