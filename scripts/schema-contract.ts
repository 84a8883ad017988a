/**
 * The published contract of the graph: `schema/api.graphql` (what clients can query, written by `pnpm compose`)
 * against `schema/api.released.graphql` (the API schema of the last release).
 *
 * - `pnpm schema:diff` prints every change since the release, grouped as breaking, dangerous and safe.
 * - `pnpm schema:release <version>` makes api.graphql the new baseline and moves CHANGELOG.md's `## Unreleased`
 *   entries into a dated `## <version>` section.
 *
 * test/schema-contract.test.ts (part of `pnpm test`) fails on a breaking change unless the element was deprecated
 * in the release, or its schema coordinate is listed in backticks in the changelog's Unreleased section.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Supergraph, printSchema as printFederationSchema } from '@apollo/federation-internals';
import { type Change, CriticalityLevel, diff } from '@graphql-inspector/core';
import {
  type GraphQLSchema,
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
} from 'graphql';

export const root = path.resolve(__dirname, '..');
export const apiSchemaFile = path.join(root, 'schema', 'api.graphql');
export const releasedSchemaFile = path.join(root, 'schema', 'api.released.graphql');
export const changelogFile = path.join(root, 'CHANGELOG.md');

/** The client-facing schema of a supergraph: no join__/link__ machinery, no @inaccessible elements. */
export function apiSchemaOf(supergraphSdl: string): string {
  return `${printFederationSchema(Supergraph.build(supergraphSdl).apiSchema()).trim()}\n`;
}

/**
 * The schema coordinate of a change (`Type`, `Type.field`, `Type.field(arg:)`, `Enum.VALUE`, `Input.field`,
 * `@directive`), from GraphQL Inspector's dotted path.
 */
export function coordinateOf(change: Change): string {
  const path = change.path;
  if (!path) return change.type;
  const parts = path.split('.');
  if (parts.length === 3) return `${parts[0]}.${parts[1]}(${parts[2]}:)`;
  if (parts.length === 2 && parts[0].startsWith('@')) return `${parts[0]}(${parts[1]}:)`;
  return path;
}

/** Whether the element at `coordinate`, or one that contains it, carries @deprecated in `schema`. */
export function deprecatedIn(schema: GraphQLSchema, coordinate: string): boolean {
  const match = /^([^.@(]+)(?:\.([^(]+))?(?:\((\w+):\))?$/.exec(coordinate);
  if (!match) return false;
  const [, typeName, memberName, argName] = match;
  const type = schema.getType(typeName);
  if (!type || !memberName) return false;
  if (isEnumType(type)) return Boolean(type.getValue(memberName)?.deprecationReason);
  if (isInputObjectType(type)) return Boolean(type.getFields()[memberName]?.deprecationReason);
  if (isObjectType(type) || isInterfaceType(type)) {
    const field = type.getFields()[memberName];
    if (!field) return false;
    if (field.deprecationReason) return true;
    return Boolean(argName && field.args.find((a) => a.name === argName)?.deprecationReason);
  }
  return false;
}

/**
 * Coordinates of every type, field, argument, enum value and input field of `sdl` that has no description (the
 * built-in scalars and introspection types aside), in schema order.
 */
export function undescribedCoordinates(sdl: string): string[] {
  const schema = buildSchema(sdl);
  const missing: string[] = [];
  const check = (coordinate: string, description: string | null | undefined) => {
    if (!description?.trim()) missing.push(coordinate);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    check(type.name, type.description);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        check(`${type.name}.${field.name}`, field.description);
        for (const arg of field.args) check(`${type.name}.${field.name}(${arg.name}:)`, arg.description);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) check(`${type.name}.${field.name}`, field.description);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) check(`${type.name}.${value.name}`, value.description);
    }
  }
  return missing;
}

/** The text of CHANGELOG.md's `## Unreleased` section (up to the next `## ` heading), or '' when it has none. */
export function unreleasedSection(changelog: string): string {
  const match = /^## Unreleased[^\n]*\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(changelog);
  return match ? match[1] : '';
}

/** Every backticked span of the Unreleased section: the coordinates it announces. */
export function listedCoordinates(changelog: string): Set<string> {
  return new Set([...unreleasedSection(changelog).matchAll(/`([^`\n]+)`/g)].map((m) => m[1].trim()));
}

export interface ContractReport {
  breaking: Change[];
  dangerous: Change[];
  safe: Change[];
  /** Breaking changes neither deprecated first nor announced: each fails the contract test. */
  unannounced: { coordinate: string; message: string }[];
}

/** Diffs `currentSdl` against the released SDL and applies the contract's rule to every breaking change. */
export async function checkContract(
  releasedSdl: string,
  currentSdl: string,
  changelog: string,
): Promise<ContractReport> {
  const released = buildSchema(releasedSdl);
  const changes = await diff(released, buildSchema(currentSdl));
  const listed = listedCoordinates(changelog);
  const breaking = changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking);
  const unannounced = breaking
    .map((change) => ({ coordinate: coordinateOf(change), message: change.message }))
    .filter(({ coordinate }) => !listed.has(coordinate) && !deprecatedIn(released, coordinate));
  return {
    breaking,
    dangerous: changes.filter((c) => c.criticality.level === CriticalityLevel.Dangerous),
    safe: changes.filter((c) => c.criticality.level === CriticalityLevel.NonBreaking),
    unannounced,
  };
}

/** What the contract test prints when it fails: the coordinates, and the two ways to make each acceptable. */
export function unannouncedMessage(unannounced: ContractReport['unannounced']): string {
  const lines = unannounced.map(({ coordinate, message }) => `  \`${coordinate}\` — ${message}`);
  return [
    `${unannounced.length} breaking change(s) to the published API (schema/api.graphql against the last release, schema/api.released.graphql):`,
    ...lines,
    'For each one, either',
    '  - keep the element and deprecate it instead (type-graphql `deprecationReason:`), removing it only after a release, or',
    "  - list its coordinate in backticks under CHANGELOG.md's `## Unreleased` → `### Breaking`, with a one-line migration hint,",
    '    e.g. "- `Check.paymentAmountDue`: read `Check.amountDue` instead."',
    'See docs/graphql/contract.md.',
  ].join('\n');
}

export function readContractFiles(): { released: string; current: string; changelog: string } {
  return {
    released: fs.readFileSync(releasedSchemaFile, 'utf8'),
    current: fs.readFileSync(apiSchemaFile, 'utf8'),
    changelog: fs.readFileSync(changelogFile, 'utf8'),
  };
}

const emptyUnreleased = '## Unreleased\n\n### Breaking\n\n### Added\n\n### Changed\n\n';

/** The changelog with its Unreleased entries moved under `## <version> — <date>`, and an empty Unreleased. */
export function releaseChangelog(changelog: string, version: string, date: string): string {
  const start = changelog.search(/^## Unreleased/m);
  if (start < 0) throw new Error('CHANGELOG.md has no `## Unreleased` section');
  const body = unreleasedSection(changelog);
  // Subsections with no entries say nothing in a release.
  const entries = body
    .split(/^(?=### )/m)
    .filter((part) => !part.startsWith('### ') || part.replace(/^### [^\n]*\n/, '').trim() !== '')
    .join('')
    .trim();
  const end = start + changelog.slice(start).indexOf('\n') + 1 + body.length;
  const released = `## ${version} — ${date}\n\n${entries ? `${entries}\n\n` : ''}`;
  return `${changelog.slice(0, start)}${emptyUnreleased}${released}${changelog.slice(end)}`;
}

function printChanges(title: string, changes: Change[]): void {
  console.log(`${title} (${changes.length})`);
  for (const change of changes) console.log(`  ${coordinateOf(change)}: ${change.message}`);
}

async function main(): Promise<void> {
  const [command, version] = process.argv.slice(2);
  if (command === 'diff') {
    const { released, current, changelog } = readContractFiles();
    const report = await checkContract(released, current, changelog);
    printChanges('Breaking', report.breaking);
    printChanges('Dangerous', report.dangerous);
    printChanges('Safe', report.safe);
    if (report.unannounced.length) {
      console.log(`\n${unannouncedMessage(report.unannounced)}`);
      process.exitCode = 1;
    }
    return;
  }
  if (command === 'release') {
    if (!version || !/^\d+\.\d+\.\d+$/.test(version)) throw new Error('usage: pnpm schema:release <major.minor.patch>');
    const date = new Date().toISOString().slice(0, 10);
    fs.copyFileSync(apiSchemaFile, releasedSchemaFile);
    fs.writeFileSync(changelogFile, releaseChangelog(fs.readFileSync(changelogFile, 'utf8'), version, date));
    console.log(`schema/api.released.graphql is now release ${version}; CHANGELOG.md has its ${date} section`);
    return;
  }
  throw new Error('usage: schema-contract.ts diff | release <version>');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
