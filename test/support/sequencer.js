// The order jest runs the test files in. jest runs the longest first when it knows their times from an earlier run on
// this machine, which keeps both workers busy to the end; on a fresh machine (CI) it has none and orders by file size
// instead, which put suites of a minute (the launcher's) among the last, leaving one worker idle while the other
// finished them. Without a time of its own, a file is given the time it took in a measured run (the slowest are
// named below), or a typical one for its kind, so the long ones still start first. Loaded by jest with a plain
// `require` (config `testSequencer`), hence JavaScript, subclassing the sequencer jest itself uses.
const path = require('node:path');

const from = (id, dir) => path.dirname(require.resolve(`${id}/package.json`, { paths: [dir] }));
const Sequencer = require(
  require.resolve('@jest/test-sequencer', { paths: [from('@jest/core', from('jest', __dirname))] }),
).default;

/** Seconds a file took in a full run on two cores (test/ relative to the repository), the slowest only. */
const MEASURED_SECONDS = {
  'test/reliability/bad-input.test.ts': 60,
  'test/launcher.test.ts': 58,
  'test/e2e/subscriptions-replicas.test.ts': 36,
  'test/reliability/tenancy.test.ts': 35,
  'test/e2e/graph-connections.test.ts': 29,
  'test/e2e/webhooks-workers.test.ts': 28,
  'test/e2e/subscriptions-http.test.ts': 26,
  'test/e2e/rest-loyalty.test.ts': 25,
  'test/e2e/rest-webhooks.test.ts': 25,
  'test/e2e/rest-mobile.test.ts': 25,
  'test/e2e/subscriptions.test.ts': 20,
  'test/e2e/rest-loyalty-pins.test.ts': 19,
  'test/e2e/hardening.test.ts': 18,
  'test/e2e/launch.test.ts': 16,
  'test/web-build.test.ts': 13,
};

const ROOT = path.resolve(__dirname, '..', '..');

class TimedSequencer extends Sequencer {
  time(test) {
    const known = super.time(test);
    if (known != null) return known;
    const file = path.relative(ROOT, test.path).split(path.sep).join('/');
    if (MEASURED_SECONDS[file] !== undefined) return MEASURED_SECONDS[file] * 1000;
    // An end-to-end file starts the whole stack (about 8 s); the others are unit or single-subgraph tests.
    return file.startsWith('test/') ? 8_000 : 4_000;
  }
}

module.exports = TimedSequencer;
