import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WEB_DIR, ensureWebBuild, webSourceHash } from '../scripts/web-build';

/**
 * `pnpm start`'s and the global setup's build of apps/web, on a copy of its sources (the real build the tests serve
 * is left alone): built when missing, reused while the sources' content is the same (a touch is not a change), built
 * again when any source changes.
 */
describe('ensureWebBuild', () => {
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-web-build-'));
    for (const entry of [
      'src',
      'index.html',
      'dashboard.html',
      'portal.html',
      'launch.html',
      'loyalty.html',
      'vite.config.ts',
      'package.json',
      'tsconfig.json',
    ]) {
      fs.cpSync(path.join(WEB_DIR, entry), path.join(dir, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(WEB_DIR, 'node_modules'), path.join(dir, 'node_modules'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('builds when missing, reuses an unchanged build, rebuilds when a source changes', async () => {
    const first = await ensureWebBuild(dir);
    expect(first.built).toBe(true);
    const html = fs.readFileSync(path.join(dir, 'dist', 'index.html'), 'utf8');
    expect(html).toMatch(/<script type="module" crossorigin src="\/web\/assets\/graphiql-[^"]+\.js">/);
    const dashboard = fs.readFileSync(path.join(dir, 'dist', 'dashboard.html'), 'utf8');
    expect(dashboard).toMatch(/<script type="module" crossorigin src="\/web\/assets\/dashboard-[^"]+\.js">/);
    const portal = fs.readFileSync(path.join(dir, 'dist', 'portal.html'), 'utf8');
    expect(portal).toMatch(/<script type="module" crossorigin src="\/web\/assets\/portal-[^"]+\.js">/);
    const launch = fs.readFileSync(path.join(dir, 'dist', 'launch.html'), 'utf8');
    expect(launch).toMatch(/<script type="module" crossorigin src="\/web\/assets\/launch-[^"]+\.js">/);
    const loyalty = fs.readFileSync(path.join(dir, 'dist', 'loyalty.html'), 'utf8');
    expect(loyalty).toMatch(/<script type="module" crossorigin src="\/web\/assets\/loyalty-[^"]+\.js">/);
    expect(fs.readFileSync(path.join(dir, 'dist', '.source-hash'), 'utf8').trim()).toBe(webSourceHash(dir));

    const css = path.join(dir, 'src', 'graphiql', 'page.css');
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(css, later, later);
    expect(await ensureWebBuild(dir)).toMatchObject({ built: false });

    fs.appendFileSync(css, '\n/* changed */\n');
    expect(await ensureWebBuild(dir)).toMatchObject({ built: true });
    expect(fs.readdirSync(dir).filter((name) => name.startsWith('dist-tmp-'))).toEqual([]);
  }, 180_000);
});
