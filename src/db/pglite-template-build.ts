/**
 * `npm run build` runs this (from dist/): makes dist/pgdata-template, the initialised and
 * migrated data dir a first start copies (pglite-template.ts). Remade only when PGlite's version
 * or the migrations changed (the stamp names both); a template behind the migrations would still
 * work, the daemon's migrate at start brings it up to date.
 */
import { createHash } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadMigrations, migrate } from './migrate.js';
import { openPglite } from './pglite.js';
import { TEMPLATE_DIR, TEMPLATE_STAMP, pgliteVersion } from './pglite-template.js';

const migrations = await loadMigrations();
const digest = createHash('sha256')
  .update(migrations.map((m) => `${m.id}:${m.sql}`).join('\0'))
  .digest('hex');
const stamp = `${await pgliteVersion()}\n${digest}\n`;
if ((await readFile(join(TEMPLATE_DIR, TEMPLATE_STAMP), 'utf8').catch(() => null)) !== stamp) {
  const building = `${TEMPLATE_DIR}.building`;
  await rm(building, { recursive: true, force: true });
  const db = await openPglite(building);
  await migrate(db, migrations);
  await db.close();
  await rm(`${building}.lock`, { force: true });
  await writeFile(join(building, TEMPLATE_STAMP), stamp);
  await rm(TEMPLATE_DIR, { recursive: true, force: true });
  await rename(building, TEMPLATE_DIR);
}
