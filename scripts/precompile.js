// Compiles every TypeScript file the services can load into scripts/register.js' cache, so that they start without
// loading SWC at all (the image's build runs this: its file system is read-only at run time). `pnpm start` needs
// no such step: its first start fills the cache as it goes.
const fs = require('node:fs');
const path = require('node:path');
const { compiled } = require('./register');

const ROOT = path.join(__dirname, '..');
const SKIP = new Set(['node_modules', 'test', 'dist', 'apps', '.git', '.data', '.bench']);

function* typescriptFiles(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* typescriptFiles(full);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield full;
  }
}

let count = 0;
for (const dir of ['gateway', 'subgraphs', 'packages', 'scripts']) {
  for (const file of typescriptFiles(path.join(ROOT, dir))) {
    compiled(fs.readFileSync(file, 'utf8'), file);
    count++;
  }
}
console.log(`precompile: ${count} TypeScript files compiled into node_modules/.cache/pos-register`);
