import fs from 'node:fs';
import {
  apiSchemaFile,
  checkContract,
  readContractFiles,
  releaseChangelog,
  releasedSchemaFile,
  unannouncedMessage,
} from '../scripts/schema-contract';

// The published contract: a breaking change of schema/api.graphql since the last release
// (schema/api.released.graphql) is refused unless it was deprecated in that release or CHANGELOG.md's Unreleased
// section announces it. No database: schemas only.
describe('the published contract', () => {
  it('has no unannounced breaking change since the last release', async () => {
    const { released, current, changelog } = readContractFiles();
    const { unannounced } = await checkContract(released, current, changelog);
    expect(unannounced.length ? unannouncedMessage(unannounced) : 'no unannounced breaking change').toBe(
      'no unannounced breaking change',
    );
  });

  it('publishes only what clients can query', () => {
    for (const file of [apiSchemaFile, releasedSchemaFile]) {
      const sdl = fs.readFileSync(file, 'utf8');
      expect(sdl).not.toMatch(/join__|link__|@inaccessible|@link|@key|@external/);
      expect(sdl).toMatch(/^type Query \{/m);
    }
  });
});

describe('the breaking-change rule', () => {
  const released = `
    type Query { check(id: ID!, locale: String): Check }
    type Check {
      id: ID!
      paymentAmountDue: Int!
      total: Int! @deprecated(reason: "Use amountDue")
    }
    enum CheckStatus { OPEN CLOSED }
  `;
  const changelog = (unreleased: string) =>
    `# Changelog\n\n## Unreleased\n\n### Breaking\n\n${unreleased}\n### Added\n\n## 1.0.0 — 2026-12-05\n\n- \`Check.id\`\n`;

  it('accepts removing a field that the release had deprecated', async () => {
    const current = released.replace(/total: .*\n/, '');
    const report = await checkContract(released, current, changelog(''));
    expect(report.breaking.map((c) => c.path)).toEqual(['Check.total']);
    expect(report.unannounced).toEqual([]);
  });

  it('refuses removing a field nobody was warned about, naming it and what to do', async () => {
    const current = released.replace(/paymentAmountDue: .*\n/, '');
    const report = await checkContract(released, current, changelog('- `Check.total`: gone.\n'));
    expect(report.unannounced.map((u) => u.coordinate)).toEqual(['Check.paymentAmountDue']);
    const message = unannouncedMessage(report.unannounced);
    expect(message).toContain('`Check.paymentAmountDue`');
    expect(message).toContain('deprecat');
    expect(message).toContain("CHANGELOG.md's `## Unreleased`");
  });

  it('accepts a breaking change that the Unreleased section lists by its coordinate', async () => {
    const current = released.replace(/paymentAmountDue: .*\n/, '');
    const report = await checkContract(
      released,
      current,
      changelog('- `Check.paymentAmountDue`: read `Check.amountDue { amountMinor currency }` instead.\n'),
    );
    expect(report.unannounced).toEqual([]);
  });

  it('does not count a coordinate listed under an earlier release', async () => {
    const current = released.replace(/id: ID!\n/, '');
    const report = await checkContract(released, current, changelog(''));
    expect(report.unannounced.map((u) => u.coordinate)).toEqual(['Check.id']);
  });

  it('names arguments and enum values by their schema coordinates', async () => {
    const current = released.replace('check(id: ID!, locale: String)', 'check(id: ID!)').replace(' CLOSED', '');
    const report = await checkContract(released, current, changelog(''));
    expect(report.unannounced.map((u) => u.coordinate).sort()).toEqual(['CheckStatus.CLOSED', 'Query.check(locale:)']);
    const listed = changelog('- `Query.check(locale:)`: send `Accept-Language`.\n- `CheckStatus.CLOSED`: gone.\n');
    expect((await checkContract(released, current, listed)).unannounced).toEqual([]);
  });
});

describe('the release step', () => {
  it('moves the Unreleased entries under the new version and leaves an empty Unreleased', () => {
    const before = [
      '# Changelog',
      '',
      '## Unreleased',
      '',
      '### Breaking',
      '',
      '- `Check.total`: read `Check.totalAmount`.',
      '',
      '### Added',
      '',
      '### Changed',
      '',
      '## 1.0.0 — 2026-12-05',
      '',
      'The first published contract.',
      '',
    ].join('\n');
    expect(releaseChangelog(before, '2.0.0', '2026-12-24')).toBe(
      [
        '# Changelog',
        '',
        '## Unreleased',
        '',
        '### Breaking',
        '',
        '### Added',
        '',
        '### Changed',
        '',
        '## 2.0.0 — 2026-12-24',
        '',
        '### Breaking',
        '',
        '- `Check.total`: read `Check.totalAmount`.',
        '',
        '## 1.0.0 — 2026-12-05',
        '',
        'The first published contract.',
        '',
      ].join('\n'),
    );
  });
});
