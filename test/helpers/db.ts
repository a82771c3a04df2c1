/**
 * Fresh databases for tests: one per call. Postgres: a new database on the local server
 * (127.0.0.1:5432, user postgres) dropped afterwards. PGlite: a copy of a migrated template
 * data dir (initdb costs ~3 s; a copy + reopen ~0.5 s).
 */
import { cp, mkdtemp, rename, rm, stat, mkdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'node:test';
import pg from 'pg';
import { requireOrSkip } from './require.js';
import { openPg, openPglite, migrate, loadMigrations, type Db } from '../../src/db/index.js';

/** CI sets this to a role with a password (.ci/run); locally the default relies on trust auth. */
export const PG_ADMIN_URL = process.env.MUSTER_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The admin URL without its password, for messages. */
export const PG_SHOWN_URL = PG_ADMIN_URL.replace(/:\/\/([^:@/]*):[^@/]*@/, '://$1:***@');

// SQLSTATE class 28: invalid authorization (wrong password, no pg_hba rule, unknown role).
const AUTH_FAILED = /^28/;

let pgCheck: Promise<string | null> | null = null;
/** Null when the test Postgres takes connections, else why not: "auth failed" or "unreachable". */
export function postgresUnavailable(): Promise<string | null> {
  pgCheck ??= (async () => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
    try {
      await c.connect();
      await c.end();
      return null;
    } catch (err) {
      const e = err as Error & { code?: string };
      const why = AUTH_FAILED.test(e.code ?? '') ? 'auth failed' : 'unreachable';
      return `postgres ${why} at ${PG_SHOWN_URL}: ${e.message} (set MUSTER_TEST_PG; .ci/run sets up a role)`;
    }
  })();
  return pgCheck;
}

/** The `{ skip }` value of a test that needs Postgres; throws under CI (helpers/require.ts). */
export async function requirePostgres(): Promise<string | false> {
  return requireOrSkip(await postgresUnavailable());
}

export type Backend = 'pglite' | 'postgres';

export interface TestDb {
  db: Db;
  kind: Backend;
  /** postgres: the URL of the fresh database; pglite: undefined */
  url?: string;
  /** pglite: a statedir whose pgdata/ is the fresh data dir (for daemons under test) */
  statedir: string;
  cleanup(): Promise<void>;
}

/** A fresh, empty Postgres database (migrated unless told otherwise). Returns its URL. */
export async function freshPgDatabase(opts: { migrate?: boolean } = {}): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `muster_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  if (opts.migrate !== false) {
    const db = await openPg(url, { max: 2 });
    await migrate(db);
    await db.close();
  }
  return {
    url,
    async drop() {
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

let template: Promise<string> | null = null;
/** A migrated PGlite data dir, built once per schema version and reused across test files. */
function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const migrations = await loadMigrations();
    const hash = createHash('sha256')
      .update(migrations.map((m) => m.sql).join('\0'))
      .digest('hex')
      .slice(0, 16);
    const root = join(tmpdir(), 'muster-pglite-templates');
    const dir = join(root, hash);
    if (await exists(dir)) return dir;
    await mkdir(root, { recursive: true });
    const building = await mkdtemp(join(root, 'build-'));
    const db = await openPglite(join(building, 'pgdata'));
    await migrate(db, migrations);
    await db.close();
    await rename(join(building, 'pgdata'), dir).catch(async () => undefined);
    await rm(building, { recursive: true, force: true });
    return dir;
  })();
  return template;
}

/** A statedir holding a copy of the migrated PGlite template as pgdata/ (not opened). */
export async function freshPgliteStatedir(): Promise<string> {
  const tpl = await pgliteTemplate();
  const statedir = await mkdtemp(join(tmpdir(), 'muster-state-'));
  await cp(tpl, join(statedir, 'pgdata'), { recursive: true });
  return statedir;
}

export async function freshDb(kind: Backend): Promise<TestDb> {
  if (kind === 'postgres') {
    const { url, drop } = await freshPgDatabase();
    const db = await openPg(url, { max: 10 });
    const statedir = await mkdtemp(join(tmpdir(), 'muster-state-'));
    return {
      db,
      kind,
      url,
      statedir,
      async cleanup() {
        await db.close().catch(() => undefined);
        await drop();
        await rm(statedir, { recursive: true, force: true });
      },
    };
  }
  const statedir = await freshPgliteStatedir();
  const db = await openPglite(join(statedir, 'pgdata'));
  return {
    db,
    kind,
    statedir,
    async cleanup() {
      await db.close().catch(() => undefined);
      await rm(statedir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs the suite once per backend: always PGlite, and real Postgres when it is reachable (under
 * CI it must be). The
 * suite names carry the backend, so the test output says which backends ran.
 */
export async function describeEachBackend(name: string, fn: (kind: Backend) => void): Promise<void> {
  const skip = await requirePostgres();
  describe(`${name} [pglite]`, () => fn('pglite'));
  if (skip) describe(`${name} [postgres]`, { skip }, () => undefined);
  else describe(`${name} [postgres]`, () => fn('postgres'));
}
