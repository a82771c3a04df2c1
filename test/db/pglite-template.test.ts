/**
 * A first start copies the data dir `npm run build` made (initdb + migrations) instead of running
 * initdb (~10 s, ~950 MB RSS): the new dir opens already migrated. Needs dist/ (npm run build).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openPglite } from '../../src/db/index.js';
import { seedFromTemplate, TEMPLATE_STAMP } from '../../src/db/pglite-template.js';

test('a new data dir opens from the template, already migrated', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'muster-tpl-'));
  try {
    const db = await openPglite(join(dir, 'pgdata'));
    try {
      assert.deepEqual(await migrate(db), [], 'the template carries every migration');
    } finally {
      await db.close();
    }
    assert.ok(!(await readdir(join(dir, 'pgdata'))).includes(TEMPLATE_STAMP));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an empty dir is seeded, a used one is not', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'muster-tpl-'));
  try {
    await mkdir(join(dir, 'used'));
    await writeFile(join(dir, 'used', 'PG_VERSION'), '17\n');
    assert.equal(await seedFromTemplate(join(dir, 'used')), false);
    assert.deepEqual(await readdir(join(dir, 'used')), ['PG_VERSION']);
    await mkdir(join(dir, 'empty'));
    assert.equal(await seedFromTemplate(join(dir, 'empty')), true);
    assert.ok((await readdir(join(dir, 'empty'))).includes('PG_VERSION'));
    assert.deepEqual((await readdir(dir)).sort(), ['empty', 'used'], 'no .seeding dir left behind');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
