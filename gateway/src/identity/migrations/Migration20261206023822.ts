import { Migration } from '@mikro-orm/migrations';

/**
 * Trusted documents: `api_client.free_documents` says whether a client may send documents of its own when
 * TRUSTED_DOCUMENTS is `require`. Every existing client is a partner's integration and keeps doing so.
 */
export class Migration20261206023822 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "identity"."api_client" add column "free_documents" boolean not null default true;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "identity"."api_client" drop column "free_documents";`);
  }
}
