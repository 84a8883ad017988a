// Lets Node run the TypeScript sources directly (`node -r ./scripts/register.js file.ts`), with the same SWC
// settings as jest. tsx/esbuild cannot be used: it does not emit decorator metadata, which type-graphql and
// MikroORM read at run time.
const { transformSync } = require('@swc/core');
const swcConfig = require('../swc.config.js');

require.extensions['.ts'] = function compileTs(module, filename) {
  const source = require('node:fs').readFileSync(filename, 'utf8');
  const { code } = transformSync(source, { ...swcConfig, filename });
  module._compile(code, filename);
};
process.setSourceMapsEnabled(true);
