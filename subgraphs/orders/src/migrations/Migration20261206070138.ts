import { Migration } from '@mikro-orm/migrations';

/** The keyset index of Query.locations: the caller's locations by (created_at, id). */
export class Migration20261206070138 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "location_tenant_id_created_at_id_index" on "orders"."location" ("tenant_id", "created_at", "id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "orders"."location_tenant_id_created_at_id_index";`);
  }
}
