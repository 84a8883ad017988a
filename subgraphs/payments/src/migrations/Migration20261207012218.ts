import { Migration } from '@mikro-orm/migrations';

/**
 * One row per partner with events, with the partner's own number: the key of the advisory lock that orders that
 * partner's outbox writers, instead of one lock for every partner. Every partner with events so far gets its row.
 */
export class Migration20261207012218 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "payments"."partner_event_head" ("tenant_id" varchar(64) not null, "lock_key" serial, constraint "partner_event_head_pkey" primary key ("tenant_id"));`,
    );
    this.addSql(
      `alter table "payments"."partner_event_head" add constraint "partner_event_head_lock_key_unique" unique ("lock_key");`,
    );
    this.addSql(
      `insert into "payments"."partner_event_head" ("tenant_id") select distinct "tenant_id" from "payments"."payment_event" order by "tenant_id";`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "payments"."partner_event_head" cascade;`);
  }
}
