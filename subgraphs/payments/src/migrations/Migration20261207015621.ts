import { Migration } from '@mikro-orm/migrations';

/**
 * How far the NATS relay has published each partner's events. Each partner starts at its newest event: turning the
 * broker on publishes what commits from then on, not the whole history (which the outbox keeps for replays).
 */
export class Migration20261207015621 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "payments"."event_relay_position" ("tenant_id" varchar(64) not null, "seq" bigint not null, constraint "event_relay_position_pkey" primary key ("tenant_id"));`,
    );
    this.addSql(
      `insert into "payments"."event_relay_position" ("tenant_id", "seq") select "tenant_id", max("seq") from "payments"."payment_event" group by "tenant_id";`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "payments"."event_relay_position" cascade;`);
  }
}
