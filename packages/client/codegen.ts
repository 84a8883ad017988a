/**
 * `pnpm codegen` (node -r ./scripts/register.js packages/client/codegen.ts) generates packages/client/src/gql (typed documents of the operations in
 * packages/client/src/operations, and their trusted-documents manifest persisted-documents.json) with GraphQL Code
 * Generator's client preset, against schema/api.graphql. `pnpm codegen:check` (part of `pnpm test`) generates in
 * memory and fails when the committed files differ, as compose:check does for the schema.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform, preset } from '@graphql-codegen/client-preset';

const clientDir = __dirname;
const root = path.join(clientDir, '..', '..');
export const GENERATED_DIR = path.join(clientDir, 'src', 'gql');

export const codegenConfig: CodegenConfig = {
  schema: path.join(root, 'schema', 'api.graphql'),
  documents: [path.join(clientDir, 'src', 'operations', '*.graphql')],
  silent: true,
  generates: {
    [`${GENERATED_DIR}/`]: {
      // The module itself, not its name: the CLI would look the name up from the working directory.
      preset,
      // Every selection set asks for __typename, as Apollo Client's cache adds it to what it sends: the manifest's
      // text (what the gateway runs for a hash) then answers what the cache needs to normalise objects by type and
      // id. Without it a page sending by hash gets objects the cache cannot key, so a mutation's result never
      // updates the lists that show the object, and watched queries miss fields and fetch again.
      documentTransforms: [addTypenameSelectionDocumentTransform],
      presetConfig: {
        // Each document carries `__meta__.hash` ("sha256:<hex>", the GraphQL-over-HTTP document identifier), and
        // persisted-documents.json maps those hashes to the text the gateway runs.
        persistedDocuments: { mode: 'embedHashInDocument', hashAlgorithm: 'sha256' },
        fragmentMasking: false,
      },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTimeISO: 'string' },
      },
    },
  },
};

/** What the generator emits now, by path relative to GENERATED_DIR. */
export async function emitClientFiles(): Promise<Map<string, string>> {
  const files = (await generate(codegenConfig, false)) as Array<{ filename: string; content: string }>;
  return new Map(files.map(({ filename, content }) => [path.relative(GENERATED_DIR, filename), content]));
}

async function main() {
  const started = performance.now();
  const emitted = await emitClientFiles();
  if (process.argv.includes('--check')) {
    const stale = [...emitted].filter(([file, content]) => {
      const target = path.join(GENERATED_DIR, file);
      return !fs.existsSync(target) || fs.readFileSync(target, 'utf8') !== content;
    });
    const extra = fs.existsSync(GENERATED_DIR)
      ? fs.readdirSync(GENERATED_DIR).filter((file) => !emitted.has(file))
      : [];
    if (stale.length || extra.length) {
      console.error(
        `packages/client/src/gql is stale (${[...stale.map(([f]) => f), ...extra].join(', ')}): run pnpm codegen and commit the result`,
      );
      process.exit(1);
    }
    console.log(`packages/client/src/gql is up to date (${Math.round(performance.now() - started)} ms)`);
    return;
  }
  fs.rmSync(GENERATED_DIR, { recursive: true, force: true });
  fs.mkdirSync(GENERATED_DIR, { recursive: true });
  for (const [file, content] of emitted) fs.writeFileSync(path.join(GENERATED_DIR, file), content);
  console.log(`wrote ${[...emitted.keys()].join(', ')} to packages/client/src/gql`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
