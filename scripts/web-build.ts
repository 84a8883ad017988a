/**
 * Builds apps/web (Vite) when its build is missing or older than its sources: `pnpm start` and the tests' global
 * setup call ensureWebBuild(), so a fresh clone serves the dashboard and GraphiQL pages without a separate build step,
 * and a start whose sources did not change reuses the build. "Older" is judged by content, not mtimes: a sha256 over
 * the sources (src/, the pages' HTML, the Vite config, package.json, whose dependency versions are pinned, and the
 * typed documents the pages import from packages/client) is stamped into the build, and a build whose stamp
 * differs is redone.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const WEB_DIR = path.resolve(__dirname, '../apps/web');
const STAMP = '.source-hash';
const SOURCES = [
  'src',
  'index.html',
  'dashboard.html',
  'portal.html',
  'launch.html',
  'loyalty.html',
  'vite.config.ts',
  'package.json',
];
/** @pos/client's documents and manifest, which the dashboard bundles: a new operation or hash means a new build. */
const CLIENT_SOURCES = path.resolve(__dirname, '../packages/client/src');
/** The pages the build must hold for the gateway to serve them. */
const PAGES = ['index.html', 'dashboard.html', 'portal.html', 'launch.html', 'loyalty.html', '.vite/manifest.json'];

function filesUnder(dir: string, entry: string): string[] {
  const full = path.join(dir, entry);
  if (!fs.statSync(full).isDirectory()) return [entry];
  return fs
    .readdirSync(full)
    .sort()
    .flatMap((name) => filesUnder(dir, path.join(entry, name)));
}

/** The sources' hash: every file's path and content, in a fixed order. */
export function webSourceHash(dir = WEB_DIR): string {
  const hash = createHash('sha256');
  const add = (base: string, label: string, file: string) => {
    hash.update(`${label}${file.split(path.sep).join('/')}\0`);
    hash.update(fs.readFileSync(path.join(base, file)));
    hash.update('\0');
  };
  for (const file of SOURCES.flatMap((entry) => filesUnder(dir, entry))) add(dir, '', file);
  for (const file of filesUnder(CLIENT_SOURCES, '.')) add(CLIENT_SOURCES, '@pos/client/', file);
  return hash.digest('hex');
}

export interface WebBuild {
  /** True when this call built it; false when the existing build matched the sources. */
  built: boolean;
  seconds: number;
}

/** Runs Vite's build in its own process; resolves with its exit code and output. */
function runVite(dir: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const vite = path.join(dir, 'node_modules', 'vite', 'bin', 'vite.js');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vite, ...args], {
      cwd: dir,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Below the services `pnpm start` launches meanwhile: on a small machine they get the cores first, so the
    // build stretches rather than their readiness.
    if (child.pid !== undefined) {
      try {
        os.setPriority(child.pid, 10);
      } catch {
        // not permitted here: the build runs at normal priority
      }
    }
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve({ code: null, output: `${output}${error.message}\n` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/**
 * Builds apps/web/dist unless its stamp matches the sources. The build goes to a folder of its own and replaces
 * dist only when complete, so a gateway serving the previous build never reads a half-written one. Rejects, with
 * Vite's output, when the build fails.
 */
export async function ensureWebBuild(dir = WEB_DIR): Promise<WebBuild> {
  const dist = path.join(dir, 'dist');
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;
  const hash = webSourceHash(dir);
  let stamped: string | null = null;
  try {
    stamped = fs.readFileSync(path.join(dist, STAMP), 'utf8').trim();
  } catch {
    // no build yet
  }
  if (stamped === hash && PAGES.every((page) => fs.existsSync(path.join(dist, page)))) {
    return { built: false, seconds: seconds() };
  }

  const outDir = `dist-tmp-${process.pid}`;
  const tmp = path.join(dir, outDir);
  const { code, output } = await runVite(dir, ['build', '--outDir', outDir, '--logLevel', 'warn']);
  if (code !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`apps/web build failed (exit ${code}):\n${output}`);
  }
  fs.writeFileSync(path.join(tmp, STAMP), `${hash}\n`);
  fs.rmSync(dist, { recursive: true, force: true });
  fs.renameSync(tmp, dist);
  return { built: true, seconds: seconds() };
}
