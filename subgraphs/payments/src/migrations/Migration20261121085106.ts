import { Migration } from '@mikro-orm/migrations';

export class Migration20261121085106 extends Migration {
  override async up(): Promise<void> {
    // Events written before this get an id now and their payment as it is now: their snapshot was never taken.
    this.addSql(
      `alter table "payments"."payment_event" add column "event_id" uuid null, add column "payment_version" int null, add column "location_id" int null, add column "payload_version" int not null default 1, add column "payload" jsonb null;`,
    );
    this.addSql(
      `update "payments"."payment_event" e set "event_id" = gen_random_uuid(), "payment_version" = p."version", "location_id" = p."location_id", "payload" = jsonb_build_object('paymentId', p."id", 'status', p."status", 'amountCents', p."amount_cents", 'refundedCents', p."refunded_cents", 'tipCents', p."tip_cents", 'currency', p."currency", 'orderId', p."order_id", 'checkId', p."check_id", 'processor', p."processor", 'processorReference', p."processor_reference") from "payments"."payment" p where p."id" = e."payment_id";`,
    );
    this.addSql(
      `alter table "payments"."payment_event" alter column "event_id" set not null, alter column "payment_version" set not null, alter column "payload" set not null;`,
    );
    this.addSql(
      `alter table "payments"."payment_event" add constraint "payment_event_event_id_unique" unique ("event_id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "payments"."payment_event" drop constraint "payment_event_event_id_unique";`);
    this.addSql(
      `alter table "payments"."payment_event" drop column "event_id", drop column "payment_version", drop column "location_id", drop column "payload_version", drop column "payload";`,
    );
  }
}
