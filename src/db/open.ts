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
    db = await connectPg(opts.databaseUrl, opts.poolMax);
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

/** `muster daemon --check`: the configured Postgres answers (the embedded database needs no check). */
export async function checkDatabase(url: string): Promise<void> {
  await (await connectPg(url, 1)).close();
}

async function connectPg(url: string, poolMax: number | undefined): Promise<Db> {
  try {
    return await openPg(url, poolMax === undefined ? {} : { max: poolMax });
  } catch (err) {
    throw new MusterError('DB_UNREACHABLE', `cannot connect to database ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
  }
}
