// Preloaded into the services by the slow suites only (test/slow/system.ts, with --expose-gc): SIGUSR2 runs a full
// garbage collection, so that the load suite reads each service's heap holding only what it keeps, not whatever
// garbage the collector has not reached yet (RSS and the heap between collections move by tens of MB without a trend).
process.on('SIGUSR2', () => global.gc?.());
