// One SWC configuration for jest and for running TypeScript directly (scripts/register.js).
// Decorator metadata is required by type-graphql and MikroORM: it needs both legacyDecorator and decoratorMetadata.
module.exports = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
