import fs from 'node:fs';
import path from 'node:path';

/**
 * A server binary a test starts itself (redis-server, nats-server): on PATH, or in the folders where Debian and
 * hand installs put it. Without one the test fails with what to install, never skips: `why` says what needs it.
 */
export function serverBinary(name: string, why: string): string {
  const folders = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/bin', '/usr/local/bin'];
  const candidates = folders.filter(Boolean).map((dir) => path.join(dir, name));
  const found = candidates.find((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!found) {
    throw new Error(
      `${name} is required by this test (${why}) and was not found on PATH or in /usr/sbin, /usr/bin, ` +
        `/usr/local/bin: install it (Debian: apt-get install ${name})`,
    );
  }
  return found;
}
