import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');

/** Runs a script under scripts/register.js; it prints what it computed and whether SWC was loaded. */
function runRegistered(file: string): { value: unknown; swcLoaded: boolean } {
  const out = execFileSync(process.execPath, ['-r', './scripts/register.js', file], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as { value: unknown; swcLoaded: boolean };
}

// The kit's copy: the file compiled lives in a temporary folder, outside the workspace's node_modules.
const REFLECT_METADATA = require.resolve('reflect-metadata', { paths: [path.join(ROOT, 'packages/kit')] });
// SWC's native binding: what costs the memory, and what a process that compiles nothing never loads.
const SWC_LOADED = 'Object.keys(require.cache).some((file) => /swc[^/]*\\.node$/.test(file))';

describe('scripts/register.js: TypeScript compiled once and kept', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pos-register-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('compiles a file with SWC once; the next process runs it from the cache without loading SWC', () => {
    const file = path.join(dir, `sum-${process.pid}-${Date.now()}.ts`);
    // Decorator metadata is what the cache must keep (type-graphql and MikroORM read it at run time).
    writeFileSync(
      file,
      [
        `import ${JSON.stringify(REFLECT_METADATA)};`,
        'const noted = (): PropertyDecorator => () => undefined;',
        'class Price { @noted() amount!: number; }',
        "const type = Reflect.getMetadata('design:type', Price.prototype, 'amount') as NumberConstructor;",
        `console.log(JSON.stringify({ value: type.name, swcLoaded: ${SWC_LOADED} }));`,
      ].join('\n'),
    );
    expect(runRegistered(file)).toEqual({ value: 'Number', swcLoaded: true });
    expect(runRegistered(file)).toEqual({ value: 'Number', swcLoaded: false });
  });

  it('after scripts/precompile.js, the gateway and a subgraph load without SWC', () => {
    execFileSync(process.execPath, ['scripts/precompile.js'], { cwd: ROOT });
    const file = path.join(dir, 'services.js');
    writeFileSync(
      file,
      [
        `require(${JSON.stringify(path.join(ROOT, 'gateway/src/app.ts'))});`,
        `require(${JSON.stringify(path.join(ROOT, 'subgraphs/payments/src/app.ts'))});`,
        `console.log(JSON.stringify({ value: 'loaded', swcLoaded: ${SWC_LOADED} }));`,
      ].join('\n'),
    );
    expect(runRegistered(file)).toEqual({ value: 'loaded', swcLoaded: false });
  });
});
