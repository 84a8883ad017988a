import type { EmbeddedPg } from '@pos/kit';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __POS_PG__?: EmbeddedPg }).__POS_PG__?.stop();
}
