import { Migration } from '@mikro-orm/migrations';

/**
 * Checks v2: taxes become rows of their own (rate or fixed amount, standard / other / hidden), a check gets a
 * supplemental fee, a gratuity, a currency, dual pricing, a version and a closing time, and quantities may be
 * fractional. Existing checks keep their totals: their `taxes` amount becomes a fixed 'Sales tax' row.
 */
export class Migration20261121074133 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "checks"."check_tax" ("id" uuid not null, "check_id" uuid not null, "position" int not null, "name" varchar(64) not null, "kind" varchar(16) not null, "rate_bps" int null, "amount_cents" int null, constraint "check_tax_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "checks"."check_tax" add constraint "check_tax_check_id_name_unique" unique ("check_id", "name");`,
    );
    this.addSql(
      `alter table "checks"."check_tax" add constraint "check_tax_check_id_foreign" foreign key ("check_id") references "checks"."check" ("id") on update cascade on delete cascade;`,
    );

    // A zero amount was the column's default, "no tax": it becomes no row rather than a "Sales tax: 0" line.
    this.addSql(
      `insert into "checks"."check_tax" ("id", "check_id", "position", "name", "kind", "rate_bps", "amount_cents") select gen_random_uuid(), "id", 0, 'Sales tax', 'STANDARD', null, "taxes" from "checks"."check" where "taxes" <> 0;`,
    );
    this.addSql(`alter table "checks"."check" drop column "taxes";`);

    // updated_at has no default in the model; existing rows start from when they were opened.
    this.addSql(
      `alter table "checks"."check" add column "closed_at" timestamptz null, add column "currency" varchar(3) not null default 'USD', add column "dual_pricing_rate_bps" int null, add column "fee_name" varchar(64) null, add column "fee_rate_bps" int null, add column "fee_amount_cents" int null, add column "gratuity_rate_bps" int null, add column "gratuity_amount_cents" int null, add column "version" int not null default 1, add column "updated_at" timestamptz null;`,
    );
    this.addSql(`update "checks"."check" set "updated_at" = "opened_at";`);
    this.addSql(`alter table "checks"."check" alter column "updated_at" set not null;`);

    this.addSql(
      `alter table "checks"."check_item" alter column "quantity" type numeric(12,3) using ("quantity"::numeric(12,3));`,
    );
  }

  override async down(): Promise<void> {
    // Back to one taxes amount per check: the standard and other taxes as they come out now (hidden ones were
    // never part of it), rates rounded half up like checkTotals does.
    this.addSql(`alter table "checks"."check" add column "taxes" int4 not null default 0;`);
    this.addSql(
      `update "checks"."check" c set "taxes" = t.amount from (select ct."check_id", sum(coalesce(ct."amount_cents", round(coalesce((select sum(i."price") from "checks"."check_item" i where i."check_id" = ct."check_id"), 0) * ct."rate_bps" / 10000.0)))::int4 as amount from "checks"."check_tax" ct where ct."kind" <> 'HIDDEN' group by ct."check_id") t where t."check_id" = c."id";`,
    );
    this.addSql(`drop table if exists "checks"."check_tax" cascade;`);

    this.addSql(
      `alter table "checks"."check" drop column "closed_at", drop column "currency", drop column "dual_pricing_rate_bps", drop column "fee_name", drop column "fee_rate_bps", drop column "fee_amount_cents", drop column "gratuity_rate_bps", drop column "gratuity_amount_cents", drop column "version", drop column "updated_at";`,
    );

    this.addSql(`alter table "checks"."check_item" alter column "quantity" type int4 using (round("quantity")::int4);`);
  }
}
