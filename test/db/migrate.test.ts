import assert from 'node:assert/strict';
import { it } from 'node:test';
import { openPg, migrate, loadMigrations } from '../../src/db/index.js';
import { MusterError } from '../../src/errors.js';
import { freshPgDatabase, requirePostgres } from '../helpers/db.js';

const pgSkip = await requirePostgres();

it('applies every migration once, also when several daemons start at once [postgres]', { skip: pgSkip }, async () => {
  const fresh = await freshPgDatabase({ migrate: false });
  const dbs = await Promise.all([1, 2, 3].map(() => openPg(fresh.url, { max: 2 })));
  try {
    const applied = await Promise.all(dbs.map((db) => migrate(db)));
    const all = (await loadMigrations()).map((m) => m.id);
    assert.deepEqual(
      applied.flat().sort((a, b) => a - b),
      all,
      'each migration applied by exactly one daemon',
    );
    assert.deepEqual(await migrate(dbs[0]!), [], 'nothing left to apply');
  } finally {
    await Promise.all(dbs.map((db) => db.close()));
    await fresh.drop();
  }
});

it('refuses to run against a schema with a breaking migration it does not know [postgres]', { skip: pgSkip }, async () => {
  const fresh = await freshPgDatabase();
  const db = await openPg(fresh.url, { max: 2 });
  try {
    await db.query(`INSERT INTO muster_migrations (id, name, breaking) VALUES (999999, 'from_the_future', true)`);
    await assert.rejects(migrate(db), (e) => e instanceof MusterError && e.code === 'SCHEMA_TOO_NEW' && /999999 \(from_the_future\)/.test(e.message));
    await db.query(`UPDATE muster_migrations SET breaking = false WHERE id = 999999`);
    assert.deepEqual(await migrate(db), [], 'a newer additive migration is fine');
  } finally {
    await db.close();
    await fresh.drop();
  }
});
