/**
 * Tests that spawn bin/muster run the built dist/, not the sources. `npm test` builds first; a
 * single file run (`npx tsx --test test/x.test.ts`) after an edit would silently test the old
 * build. `ensureFreshDist()` compares every src/**\/*.ts with its dist/ .js and builds when one
 * is missing or older; if the build leaves any stale, it throws naming them.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { PACKAGE_ROOT } from '../../src/paths.js';

const SRC = join(PACKAGE_ROOT, 'src');
const DIST = join(PACKAGE_ROOT, 'dist');

async function sources(): Promise<string[]> {
  const entries = await readdir(SRC, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')).map((e) => join(e.parentPath, e.name));
}

const mtime = (p: string): Promise<number> =>
  stat(p).then(
    (s) => s.mtimeMs,
    () => -1,
  );

/** The src/ files whose dist/ output is missing or older than they are. */
export async function staleOutputs(): Promise<string[]> {
  const stale: string[] = [];
  for (const src of await sources()) {
    const out = join(DIST, relative(SRC, src)).replace(/\.ts$/, '.js');
    if ((await mtime(out)) < (await mtime(src))) stale.push(relative(PACKAGE_ROOT, src));
  }
  return stale;
}

let fresh: Promise<void> | null = null;
export function ensureFreshDist(): Promise<void> {
  fresh ??= (async () => {
    if ((await staleOutputs()).length === 0) return;
    const r = await execa('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: PACKAGE_ROOT, reject: false, all: true });
    const left = await staleOutputs();
    if (r.exitCode !== 0 || left.length > 0) {
      throw new Error(
        `dist/ is older than src/ (${left.slice(0, 5).join(', ')}${left.length > 5 ? ', …' : ''}) and \`npm run build\` did not fix it:\n${r.all}`,
      );
    }
  })();
  return fresh;
}
