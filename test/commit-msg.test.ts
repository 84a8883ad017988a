import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The commit-msg hook `pnpm install` installs (core.hooksPath .githooks): what it lets through and what not. */
const hook = path.resolve(__dirname, '../.githooks/commit-msg');

function check(message: string): { status: number | null; stderr: string } {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'commit-msg-')), 'COMMIT_EDITMSG');
  fs.writeFileSync(file, message);
  const run = spawnSync('sh', [hook, file], { encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr };
}

describe('the commit-msg hook', () => {
  it('takes a subject of at most 72 characters, a blank line and a body', () => {
    expect(check(`${'s'.repeat(72)}\n\nWhy it is done.\n`).status).toBe(0);
    expect(check('Short subject\n\nWhy.\n# a comment git strips\n').status).toBe(0);
  });

  it('refuses a longer subject, naming its length', () => {
    const run = check(`${'s'.repeat(73)}\n\nWhy.\n`);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('the subject is 73 characters; at most 72');
  });

  it('refuses a subject without a body, or a body without the blank line', () => {
    expect(check('Subject only\n').stderr).toContain('add a body');
    expect(check('Subject\n\n# only comments\n').stderr).toContain('add a body');
    expect(check('Subject\nbody on the second line\nmore\n').stderr).toContain('leave the second line blank');
  });

  it('lets git’s own messages through', () => {
    expect(check(`Merge branch 'x' into main\n`).status).toBe(0);
    expect(check(`fixup! ${'s'.repeat(80)}\n`).status).toBe(0);
  });

  it('is what `pnpm install` installs', () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.prepare).toContain('core.hooksPath .githooks');
    expect(fs.statSync(hook).mode & 0o111).not.toBe(0);
  });
});
