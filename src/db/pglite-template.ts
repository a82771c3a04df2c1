import { cp, readFile, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A freshly initialised and migrated embedded data dir, made once at build time (`npm run
 * build`, shipped in the package). PGlite's initdb costs ~10 s and ~950 MB RSS at its peak, the
 * first migration ~3 s; copying this 40 MB dir costs well under a second, so a first start is
 * as fast and small as a warm one. The path is the same from dist/db/ and from src/db/ (tests
 * run the sources).
 */
export const TEMPLATE_DIR = fileURLToPath(new URL('../../dist/pgdata-template', import.meta.url));
/** First line: the PGlite version that made the template (another version's initdb may differ). */
export const TEMPLATE_STAMP = 'muster-pglite-version';

export async function pgliteVersion(): Promise<string> {
  const entry = fileURLToPath(import.meta.resolve('@electric-sql/pglite'));
  const pkg = JSON.parse(await readFile(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Fills an empty data dir from the template, when there is one made by this PGlite version;
 * returns false (PGlite then runs initdb itself) otherwise. The caller holds the dir's lock. The
 * copy goes to a sibling first and is renamed into place, so a crash mid-copy leaves no
 * half-made data dir behind (the sibling is removed on the next try).
 */
export async function seedFromTemplate(dataDir: string): Promise<boolean> {
  if ((await readdir(dataDir)).length > 0) return false;
  const stamp = await readFile(join(TEMPLATE_DIR, TEMPLATE_STAMP), 'utf8').catch(() => null);
  if (stamp === null || stamp.split('\n')[0] !== (await pgliteVersion())) return false;
  const partial = `${dataDir}.seeding`;
  await rm(partial, { recursive: true, force: true });
  await cp(TEMPLATE_DIR, partial, { recursive: true });
  await rm(join(partial, TEMPLATE_STAMP));
  await rmdir(dataDir);
  await rename(partial, dataDir);
  return true;
}
