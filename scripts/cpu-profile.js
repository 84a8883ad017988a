/**
 * CPU profiles of the services a bench starts: `--cpu-prof` is not allowed in NODE_OPTIONS, so this preload starts
 * V8's sampling profiler through the inspector in each service process (the gateway and the subgraphs, recognised by
 * their entry point) and writes `<service>-<pid>.cpuprofile` to CPU_PROFILE_DIR when the service is stopped (SIGTERM).
 * Open the files in Chrome DevTools (Performance) or any .cpuprofile viewer. For example:
 *
 *   mkdir -p /tmp/prof && CPU_PROFILE_DIR=/tmp/prof NODE_OPTIONS="--require ./scripts/cpu-profile.js" \
 *     BENCH_ONLY=peer BENCH_PEER_CASES="wide read varied" node -r ./scripts/register.js scripts/bench/index.ts
 */
const entry = /(subgraphs\/\w+|gateway)\/src\/index\.ts$/.exec(process.argv[1] || '');
if (entry && process.env.CPU_PROFILE_DIR) {
  const fs = require('node:fs');
  const path = require('node:path');
  const inspector = require('node:inspector');
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 250 });
  session.post('Profiler.start');
  process.prependOnceListener('SIGTERM', () => {
    // Synchronous for an in-process session: written before the service's own shutdown runs.
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      const file = path.join(process.env.CPU_PROFILE_DIR, `${entry[1].replace('/', '-')}-${process.pid}.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(result.profile));
    });
  });
}
