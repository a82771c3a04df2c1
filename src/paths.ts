import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root, found from this file whether it runs from src/ (tsx) or dist/ (built), so
 * shipped data (SQL migrations, the default nodescripts tree) is read from one place.
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('muster: package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

export const PACKAGE_ROOT = findRoot();
export const MIGRATIONS_DIR = join(PACKAGE_ROOT, 'src', 'db', 'migrations');
export const DEFAULT_NODESCRIPTS_DIR = join(PACKAGE_ROOT, 'nodescripts');

/**
 * Whether a resolved (realpath'd) path lies strictly inside a resolved root: the one check every
 * server that hands out files (TFTP, /files) applies after following symlinks.
 */
export function isInside(rootReal: string, real: string): boolean {
  return real.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep);
}
