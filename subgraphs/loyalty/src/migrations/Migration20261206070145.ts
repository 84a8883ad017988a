import { Migration } from '@mikro-orm/migrations';

/** The keyset index of Order.loyaltyTransactions: an order's transactions by (created_at, id). */
export class Migration20261206070145 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index "loyalty"."loyalty_transaction_order_id_index";`);
    this.addSql(
      `create index "loyalty_transaction_order_id_created_at_id_index" on "loyalty"."loyalty_transaction" ("order_id", "created_at", "id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "loyalty"."loyalty_transaction_order_id_created_at_id_index";`);
    this.addSql(`create index "loyalty_transaction_order_id_index" on "loyalty"."loyalty_transaction" ("order_id");`);
  }
}
