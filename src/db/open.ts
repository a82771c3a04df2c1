import { join } from 'node:path';
import { MusterError } from '../errors.js';
import type { Db } from './db.js';
import { openPg, redactUrl } from './pg.js';
import { openPglite } from './pglite.js';
import { migrate } from './migrate.js';

export interface OpenDbOptions {
  /** postgres://… ; unset means the embedded PGlite under statedir. */
  databaseUrl?: string | undefined;
  statedir: string;
  poolMax?: number;
}

/** Opens the configured backend and brings its schema up to date. */
export async function openDb(opts: OpenDbOptions): Promise<Db> {
  let db: Db;
  if (opts.databaseUrl) {
    try {
      db = await openPg(opts.databaseUrl, opts.poolMax === undefined ? {} : { max: opts.poolMax });
    } catch (err) {
      throw new MusterError(
        'DB_UNREACHABLE',
        `cannot connect to database ${redactUrl(opts.databaseUrl)}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  } else {
    db = await openPglite(join(opts.statedir, 'pgdata'));
  }
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return db;
}
