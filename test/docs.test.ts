import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The documentation's shape: a short README, docs by reader that exist, relative links that lead somewhere, and no
 * file that sends its reader to a document outside the repository (a design note, a ticket, a sibling folder).
 */
const root = path.resolve(__dirname, '..');
const SELF = path.relative(root, __filename).split(path.sep).join('/');

const README_MAX_LINES = 200;

/** The docs a reader is sent to by the README and docs/README.md, by reader. */
const REQUIRED_DOCS = [
  'docs/README.md',
  'docs/architecture.md',
  'docs/graphql.md',
  'docs/partner-api.md',
  'docs/mobile-payments.md',
  'docs/loyalty.md',
  'docs/webhooks.md',
  'docs/subscriptions.md',
  'docs/operations.md',
  'docs/development.md',
  'docs/testing.md',
  'docs/benchmarks.md',
  'docs/reliability.md',
  'docs/portal.md',
  'docs/dashboard.md',
  'docs/loyalty-customer.md',
  'docs/pos-launch.md',
  'docs/operations/running-locally.md',
];

/** References to documents outside the repository, which a reader of the repository cannot follow. */
const OUTSIDE_REFERENCES: RegExp[] = [
  /seed ?0\d\d/i,
  /\bissue \d+/i,
  /DESIGN(\.md)? ?§/,
  /notes\/[a-z-]+\.md/,
  /\.\.\/shared/,
];

const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

/** README.md and every Markdown file under docs/, as paths relative to the root (new files included). */
function markdownFiles(): string[] {
  const found = ['README.md'];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.md')) found.push(rel);
    }
  };
  walk('docs');
  return found.sort();
}

/** Files tracked by git that are still on disk, less the benchmark history, the lockfile and this file. */
function trackedTextFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0');
  return listed.filter(
    (file) =>
      file !== '' &&
      !file.startsWith('bench-results/') &&
      file !== 'pnpm-lock.yaml' &&
      file !== SELF &&
      fs.existsSync(path.join(root, file)) &&
      fs.statSync(path.join(root, file)).isFile(),
  );
}

/** The Markdown text without fenced code blocks and inline code, where brackets and parentheses are code. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Relative link targets of a Markdown text: inline `[text](target)` and reference definitions `[id]: target`. */
function relativeLinks(markdown: string): string[] {
  const text = prose(markdown);
  const targets = [
    ...[...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
    ...[...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1]),
  ];
  return targets.filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#'));
}

/** Where a relative link from `file` leads, without its anchor or query. */
function linkedPath(file: string, target: string): string {
  const bare = decodeURI(target.split('#')[0].split('?')[0]);
  return path
    .relative(root, path.resolve(root, path.dirname(file), bare))
    .split(path.sep)
    .join('/');
}

describe('the documentation', () => {
  it(`keeps the README to at most ${README_MAX_LINES} lines`, () => {
    const lines = read('README.md').replace(/\n$/, '').split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('has every doc a reader is sent to', () => {
    const missing = REQUIRED_DOCS.filter((file) => !fs.existsSync(path.join(root, file)));
    expect(missing).toEqual([]);
  });

  it('has relative links that lead to files that exist', () => {
    const broken: string[] = [];
    for (const file of markdownFiles()) {
      for (const target of relativeLinks(read(file))) {
        if (!fs.existsSync(path.join(root, linkedPath(file, target)))) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('links every page under docs/ from another page', () => {
    const files = markdownFiles();
    const linked = new Set(files.flatMap((file) => relativeLinks(read(file)).map((t) => linkedPath(file, t))));
    const orphans = files.filter((file) => file.startsWith('docs/') && !linked.has(file));
    expect(orphans).toEqual([]);
  });

  it('refers to no document outside the repository', () => {
    const files = [...new Set([...trackedTextFiles(), ...markdownFiles()])].filter((file) => file !== SELF);
    const found: string[] = [];
    for (const file of files) {
      const content = fs.readFileSync(path.join(root, file));
      if (content.includes(0)) continue; // binary
      content
        .toString('utf8')
        .split('\n')
        .forEach((line, i) => {
          const pattern = OUTSIDE_REFERENCES.find((p) => p.test(line));
          if (pattern) found.push(`${file}:${i + 1}: ${pattern} in "${line.trim().slice(0, 120)}"`);
        });
    }
    expect(found).toEqual([]);
  });
});
