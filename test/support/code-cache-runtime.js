// jest's module runtime, keeping V8's code cache (and the text of installed packages) per worker between test files.
//
// Every test file gets a fresh module registry, and that isolation stays: each of the ~3,000 modules an end-to-end
// file loads through test/support/stack.ts is evaluated again. But jest also has V8 parse and compile every one of
// them again (`vm.compileFunction`), about a second and a half of CPU per file on this code, for the same source each
// time. Here a module is compiled as a `vm.Script` of the same function jest would make; when the first test file of
// a worker that compiled it ends, V8's code cache of it is taken (holding by then every function that file ran), and
// later compiles of the same filename and source hand it back, so V8 skips the parsing and compiling it already did.
// V8 checks a cache against the source and its own version and flags (a rejected one is replaced), and the code that
// runs is the same: only the time to compile it changes. Loaded by jest-runner with a plain `require` (config
// `runtime`), hence JavaScript, subclassing the jest-runtime that jest-runner itself uses.
const path = require('node:path');
const vm = require('node:vm');

const from = (id, dir) => path.dirname(require.resolve(`${id}/package.json`, { paths: [dir] }));
const jestDir = from('jest', __dirname);
const runnerDir = from('jest-runner', from('@jest/core', jestDir));
const Runtime = require(require.resolve('jest-runtime', { paths: [runnerDir] })).default;

/** filename -> the source compiled and V8's code cache of it, for this worker's life. */
const codeCache = new Map();
/** filename -> its text, of the files under node_modules/ (which no test changes), for this worker's life. */
const packageSources = new Map();

class CodeCacheRuntime extends Runtime {
  /** The scripts this file compiled without a cache: their cache is taken when the file ends (see teardown). */
  uncached = [];

  constructor(...args) {
    super(...args);
    // jest-runtime's internals as of jest 30.5: should a later jest lay them out otherwise, this is plain jest.
    if (typeof this.fileCache?.readFile !== 'function' || typeof this.executor?.compile !== 'function') return;
    // jest reads each module's file again for every test file, even when its transform is cached in memory (that
    // cache is keyed by path and mtime): some 3,000 reads a file, most of them of installed packages, which do not
    // change during a run. Those are read once per worker; the repository's own files as jest does.
    const fileCache = this.fileCache;
    const readFile = fileCache.readFile.bind(fileCache);
    fileCache.readFile = (filename) => {
      if (!filename.includes(`${path.sep}node_modules${path.sep}`)) return readFile(filename);
      let source = packageSources.get(filename);
      if (source === undefined) {
        source = readFile(filename);
        packageSources.set(filename, source);
      }
      return source;
    };
    // jest-runtime compiles each module in its ModuleExecutor; only that step changes.
    const executor = this.executor;
    const compile = executor.compile.bind(executor);
    executor.compile = (scriptSource, filename) => {
      const vmContext = executor.environment.getVmContext();
      // Core modules keep jest's own path; so does a runtime whose environment is gone.
      if (vmContext == null || executor.resolution.isCoreModule(filename)) return compile(scriptSource, filename);
      const cached = codeCache.get(filename);
      const cachedData = cached && cached.source === scriptSource ? cached.data : undefined;
      // The module's code as the body of a function of jest's module parameters, as vm.compileFunction makes it;
      // the negative column offset keeps the first line's columns where they are in the file, for stack traces.
      const head = `(function (${executor.injectedModuleParameters.join(', ')}) {`;
      let script;
      let compiled;
      try {
        script = new vm.Script(`${head}${scriptSource}\n})`, {
          filename,
          columnOffset: -head.length,
          cachedData,
          importModuleDynamically: (specifier, _script, importAttributes, ...rest) =>
            executor.dynamicImport(specifier, filename, vmContext, importAttributes, rest[0]),
        });
        compiled = script.runInContext(vmContext);
      } catch {
        // A syntax error and the like: jest's own compile reports it as jest does.
        return compile(scriptSource, filename);
      }
      if (cachedData === undefined || script.cachedDataRejected) this.uncached.push({ filename, scriptSource, script });
      return compiled;
    };
  }

  teardown() {
    // Taken now rather than at compile time, V8's cache also holds every function the file's tests ran, so the next
    // file compiles none of them again either.
    for (const { filename, scriptSource, script } of this.uncached) {
      try {
        codeCache.set(filename, { source: scriptSource, data: script.createCachedData() });
      } catch {
        codeCache.delete(filename);
      }
    }
    this.uncached = [];
    super.teardown();
  }
}

module.exports = CodeCacheRuntime;
