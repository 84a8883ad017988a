import { Migration } from '@mikro-orm/migrations';

/** The keyset index of Location.checks: a location's checks by opening time. */
export class Migration20261205224241 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "check_location_id_opened_at_pos_ref_index" on "checks"."check" ("location_id", "opened_at", "pos_ref");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "checks"."check_location_id_opened_at_pos_ref_index";`);
  }
}
