/**
 * `pnpm compose` writes each subgraph's SDL to schema/<name>.graphql, the composed supergraph to
 * schema/supergraph.graphql and its client-facing API schema (the published contract) to schema/api.graphql.
 * `pnpm compose:check` (part of `pnpm test`) fails when those files differ from what the code emits now.
 * `--schema-dir <dir>` points either at another directory (the tests use it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { subgraphSchema } from '@pos/kit';
import { parse } from 'graphql';
import { apiSchemaOf } from './schema-contract';
import { subgraphDefinitions } from './services';

export interface ComposedFile {
  file: string;
  content: string;
}

/** The files the code emits now: one SDL per subgraph, the supergraph and its API schema. */
export async function emitSchemaFiles(): Promise<ComposedFile[]> {
  const subgraphs = [];
  for (const definition of subgraphDefinitions) {
    const sdl = printSubgraphSchema(await subgraphSchema(definition));
    subgraphs.push({
      name: definition.name,
      // Routing URLs for the launcher's default ports; the gateway overrides them from its configuration.
      url: `http://127.0.0.1:${definition.defaultPort}/graphql`,
      sdl,
    });
  }
  const result = composeServices(subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })));
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((e) => `  ${e.message}`).join('\n')}`);
  }
  return [
    ...subgraphs.map((s) => ({ file: `${s.name}.graphql`, content: `${s.sdl.trim()}\n` })),
    { file: 'supergraph.graphql', content: `${result.supergraphSdl.trim()}\n` },
    { file: 'api.graphql', content: apiSchemaOf(result.supergraphSdl) },
  ];
}

/** Names of the files in `dir` that are missing or differ from what the code emits. */
export function staleFiles(dir: string, emitted: ComposedFile[]): string[] {
  return emitted
    .filter(({ file, content }) => {
      const target = path.join(dir, file);
      return !fs.existsSync(target) || fs.readFileSync(target, 'utf8') !== content;
    })
    .map(({ file }) => file);
}

async function main() {
  const args = process.argv.slice(2);
  const dirFlag = args.indexOf('--schema-dir');
  const dir = path.resolve(dirFlag >= 0 ? args[dirFlag + 1] : path.join(__dirname, '..', 'schema'));
  const emitted = await emitSchemaFiles();
  if (args.includes('--check')) {
    const stale = staleFiles(dir, emitted);
    if (stale.length) {
      console.error(`Stale schema files in ${dir}: ${stale.join(', ')}\nRun \`pnpm compose\` and commit the result.`);
      process.exit(1);
    }
    console.log(`schema/ is up to date (${emitted.length} files)`);
    return;
  }
  fs.mkdirSync(dir, { recursive: true });
  for (const { file, content } of emitted) fs.writeFileSync(path.join(dir, file), content);
  console.log(`Wrote ${emitted.map((e) => e.file).join(', ')} to ${dir}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
