import { Migration } from '@mikro-orm/migrations';

/**
 * One row per partner with events, whose lock orders that partner's outbox writers instead of one lock for every
 * partner; it starts with the count of each partner's events so far.
 */
export class Migration20261207012218 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "payments"."partner_event_head" ("tenant_id" varchar(64) not null, "events" bigint not null, constraint "partner_event_head_pkey" primary key ("tenant_id"));`,
    );
    this.addSql(
      `insert into "payments"."partner_event_head" ("tenant_id", "events") select "tenant_id", count(*) from "payments"."payment_event" group by "tenant_id";`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "payments"."partner_event_head" cascade;`);
  }
}
