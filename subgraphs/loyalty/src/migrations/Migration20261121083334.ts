import { Migration } from '@mikro-orm/migrations';
import { DEMO, demoLoyaltyCodes, demoLoyaltyCustomerId } from '@pos/kit';

export class Migration20261121083334 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "loyalty"."loyalty_coupon" ("id" uuid not null, "org_id" uuid not null, "customer_id" uuid not null, "name" varchar(200) not null, "status" varchar(16) not null default 'ACTIVE', "issued_at" timestamptz not null, "redeemed_at" timestamptz null, constraint "loyalty_coupon_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "loyalty_coupon_customer_id_index" on "loyalty"."loyalty_coupon" ("customer_id");`);

    this.addSql(
      `create table "loyalty"."loyalty_transaction" ("id" uuid not null, "org_id" uuid not null, "customer_id" uuid not null, "kind" varchar(16) not null, "unit" varchar(8) not null, "delta" int not null, "balance_after" int not null, "external_id" varchar(128) null, "order_id" uuid null, "amount_cents" int null, "currency" varchar(3) null, "coupon_id" uuid null, "reverses_id" uuid null, "created_at" timestamptz not null, constraint "loyalty_transaction_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "loyalty"."loyalty_transaction" add constraint "loyalty_transaction_reverses_id_unique" unique ("reverses_id");`,
    );
    this.addSql(
      `create unique index "loyalty_transaction_external_id_unique" on "loyalty"."loyalty_transaction" ("org_id", "kind", "external_id") where "external_id" is not null;`,
    );
    this.addSql(`create index "loyalty_transaction_order_id_index" on "loyalty"."loyalty_transaction" ("order_id");`);
    this.addSql(
      `create index "loyalty_transaction_customer_id_created_at_index" on "loyalty"."loyalty_transaction" ("customer_id", "created_at");`,
    );

    this.addSql(
      `create table "loyalty"."loyalty_pin_challenge" ("id" uuid not null, "org_id" uuid not null, "customer_id" uuid not null, "action" varchar(16) not null, "pin_hash" varchar(64) not null, "pin_sealed" text not null, "attempts_left" int not null, "status" varchar(16) not null default 'OPEN', "created_at" timestamptz not null, "expires_at" timestamptz not null, constraint "loyalty_pin_challenge_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "loyalty_pin_challenge_customer_id_action_created_at_index" on "loyalty"."loyalty_pin_challenge" ("customer_id", "action", "created_at");`,
    );

    this.addSql(
      `alter table "loyalty"."loyalty_coupon" add constraint "loyalty_coupon_org_id_foreign" foreign key ("org_id") references "loyalty"."loyalty_org" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "loyalty"."loyalty_coupon" add constraint "loyalty_coupon_customer_id_foreign" foreign key ("customer_id") references "loyalty"."loyalty_customer" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "loyalty"."loyalty_transaction" add constraint "loyalty_transaction_org_id_foreign" foreign key ("org_id") references "loyalty"."loyalty_org" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "loyalty"."loyalty_transaction" add constraint "loyalty_transaction_customer_id_foreign" foreign key ("customer_id") references "loyalty"."loyalty_customer" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "loyalty"."loyalty_transaction" add constraint "loyalty_transaction_coupon_id_foreign" foreign key ("coupon_id") references "loyalty"."loyalty_coupon" ("id") on update cascade on delete set null;`,
    );
    this.addSql(
      `alter table "loyalty"."loyalty_transaction" add constraint "loyalty_transaction_reverses_id_foreign" foreign key ("reverses_id") references "loyalty"."loyalty_transaction" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "loyalty"."loyalty_pin_challenge" add constraint "loyalty_pin_challenge_org_id_foreign" foreign key ("org_id") references "loyalty"."loyalty_org" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "loyalty"."loyalty_pin_challenge" add constraint "loyalty_pin_challenge_customer_id_foreign" foreign key ("customer_id") references "loyalty"."loyalty_customer" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "loyalty"."loyalty_org" add column "earn_ratio_bps" int not null default 10000, add column "currency" varchar(3) not null default 'USD';`,
    );
    this.addSql(
      `update "loyalty"."loyalty_org" set "earn_ratio_bps" = round("earn_ratio" * 10000), "preset" = upper("preset");`,
    );
    // API keys now live with the gateway (identity.api_key), which seeds the demo ones for the demo ids: a demo
    // database seeded before this gets those ids, found by the hash of the demo org's key.
    for (const org of DEMO.loyaltyOrgs) {
      this.addSql(
        `update "loyalty"."loyalty_org" set "id" = '${org.id}' where "api_key_hash" = encode(sha256('${org.apiKey}'::bytea), 'hex');`,
      );
      for (const code of demoLoyaltyCodes(org)) {
        this.addSql(
          `update "loyalty"."loyalty_customer" set "id" = '${demoLoyaltyCustomerId(code)}' where "code" = '${code}' and "org_id" = '${org.id}';`,
        );
      }
    }
    // The ledger must sum to the balances: what customers already hold opens it.
    for (const [unit, column] of [
      ['POINT', 'points'],
      ['STAMP', 'stamps'],
    ]) {
      this.addSql(
        `insert into "loyalty"."loyalty_transaction" ("id", "org_id", "customer_id", "kind", "unit", "delta", "balance_after", "external_id", "created_at") select gen_random_uuid(), "org_id", "id", 'EARN', '${unit}', "${column}", "${column}", 'opening-${column}-' || "code", now() from "loyalty"."loyalty_customer" where "${column}" > 0;`,
      );
    }
    this.addSql(`alter table "loyalty"."loyalty_org" drop constraint "loyalty_org_api_key_hash_unique";`);
    this.addSql(`alter table "loyalty"."loyalty_org" drop column "api_key_hash", drop column "earn_ratio";`);

    this.addSql(
      `alter table "loyalty"."loyalty_org" add constraint loyalty_org_earn_ratio_check check(earn_ratio_bps >= 0);`,
    );
    this.addSql(
      `alter table "loyalty"."loyalty_org" add constraint loyalty_org_stamps_check check(stamps_per_card >= 1 and max_stamps_per_earn between 1 and stamps_per_card);`,
    );

    this.addSql(
      `alter table "loyalty"."loyalty_customer" add constraint loyalty_customer_balances_check check(points >= 0 and stamps >= 0);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "loyalty"."loyalty_transaction" drop constraint "loyalty_transaction_coupon_id_foreign";`);

    this.addSql(
      `alter table "loyalty"."loyalty_transaction" drop constraint "loyalty_transaction_reverses_id_foreign";`,
    );

    this.addSql(`drop table if exists "loyalty"."loyalty_coupon" cascade;`);

    this.addSql(`drop table if exists "loyalty"."loyalty_transaction" cascade;`);

    this.addSql(`drop table if exists "loyalty"."loyalty_pin_challenge" cascade;`);

    this.addSql(`alter table "loyalty"."loyalty_customer" drop constraint loyalty_customer_balances_check;`);

    this.addSql(`alter table "loyalty"."loyalty_org" drop constraint loyalty_org_earn_ratio_check;`);
    this.addSql(`alter table "loyalty"."loyalty_org" drop constraint loyalty_org_stamps_check;`);
    this.addSql(`alter table "loyalty"."loyalty_org" drop column "earn_ratio_bps", drop column "currency";`);

    this.addSql(
      `alter table "loyalty"."loyalty_org" add column "api_key_hash" varchar(64) null, add column "earn_ratio" float8 not null default 1;`,
    );
    this.addSql(
      `alter table "loyalty"."loyalty_org" add constraint "loyalty_org_api_key_hash_unique" unique ("api_key_hash");`,
    );
  }
}
