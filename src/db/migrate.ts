import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MusterError } from '../errors.js';
import { MIGRATIONS_DIR } from '../paths.js';
import type { Db } from './db.js';

export interface Migration {
  id: number;
  name: string;
  sql: string;
  /** Older code cannot run against this schema (first line `--! breaking-change`). */
  breaking: boolean;
}

const FILE = /^(\d{6})_([a-z0-9_]+)\.sql$/;
// Serializes migrations of several daemons starting at once on one Postgres.
const MIGRATION_LOCK = 0x6d757374;

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const out: Migration[] = [];
  for (const f of files) {
    const m = FILE.exec(f);
    if (!m) throw new Error(`migration file name ${f} does not match NNNNNN_name.sql`);
    const sql = await readFile(join(dir, f), 'utf8');
    out.push({ id: Number(m[1]), name: m[2]!, sql, breaking: sql.startsWith('--! breaking-change') });
  }
  out.forEach((m, i) => {
    if (i > 0 && m.id === out[i - 1]!.id) throw new Error(`two migrations are numbered ${m.id}`);
  });
  return out;
}

/** Applies pending migrations, each in its own transaction. Returns the ids applied now. */
export async function migrate(db: Db, migrations?: Migration[]): Promise<number[]> {
  const all = migrations ?? (await loadMigrations());
  // Under the lock: concurrent CREATE TABLE IF NOT EXISTS races on Postgres's catalog.
  await db.exec(`BEGIN;
  SELECT pg_advisory_xact_lock(${MIGRATION_LOCK});
  CREATE TABLE IF NOT EXISTS muster_migrations (
    id integer PRIMARY KEY,
    name text NOT NULL,
    breaking boolean NOT NULL DEFAULT false,
    applied_at timestamptz NOT NULL DEFAULT now()
  );
  COMMIT;`);
  const applied = async () =>
    new Map((await db.query<{ id: number; name: string; breaking: boolean }>('SELECT id, name, breaking FROM muster_migrations')).rows.map((r) => [r.id, r]));
  const have = await applied();
  const newest = Math.max(0, ...all.map((m) => m.id));
  const tooNew = [...have.values()].filter((r) => r.id > newest && r.breaking);
  if (tooNew.length > 0) {
    throw new MusterError(
      'SCHEMA_TOO_NEW',
      `the database schema has breaking migration ${tooNew[0]!.id} (${tooNew[0]!.name}) that this muster ` +
        `does not know (it knows up to ${newest}); upgrade muster on this host before starting it`,
    );
  }
  const done: number[] = [];
  for (const m of all) {
    if (have.has(m.id)) continue;
    try {
      await db.exec(
        `BEGIN;\nSELECT pg_advisory_xact_lock(${MIGRATION_LOCK});\n${m.sql}\n;` +
          `INSERT INTO muster_migrations (id, name, breaking) VALUES (${m.id}, '${m.name}', ${m.breaking});\nCOMMIT;`,
      );
      done.push(m.id);
    } catch (err) {
      // Another daemon may have applied it while we waited for the lock.
      if ((await applied()).has(m.id)) continue;
      throw new Error(`migration ${m.id}_${m.name} failed: ${(err as Error).message}`, { cause: err });
    }
  }
  return done;
}
