import { PGlite } from '@electric-sql/pglite';
import type { Db, Queryable, QueryResult } from './db.js';
import { acquireLock, type Lock } from './lock.js';

/**
 * Embedded Postgres (WASM) in this process. PGlite has a single session: transactions serialize
 * every other query, SKIP LOCKED never skips, and NOTIFY is delivered in-process only.
 * Two processes on one data dir corrupt it silently, so we hold an exclusive lock file.
 * PGlite never fsyncs: data survives a daemon crash, not a power cut.
 */
export async function openPglite(dataDir: string | null): Promise<Db> {
  let lock: Lock | null = null;
  if (dataDir) lock = await acquireLock(dataDir);
  let pg: PGlite;
  try {
    pg = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  } catch (err) {
    await lock?.release();
    throw err;
  }
  return new PgliteDb(pg, lock);
}

class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  constructor(
    private readonly pg: PGlite,
    private readonly lock: Lock | null,
  ) {}

  async query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
    const r = await this.pg.query<T>(sql, params);
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
  }

  async tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    return this.pg.transaction(async (t) =>
      fn({
        async query<R>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
          const r = await t.query<R>(sql, params);
          return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
        },
      }),
    );
  }

  async listen(channel: string, cb: (payload: string) => void): Promise<() => Promise<void>> {
    const unlisten = await this.pg.listen(channel, cb);
    return async () => unlisten();
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.pg.exec(sql);
    } catch (err) {
      // A failed multi-statement block can leave PGlite's session inside an aborted transaction.
      await this.pg.exec('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    try {
      await this.pg.close();
    } finally {
      await this.lock?.release();
    }
  }
}
