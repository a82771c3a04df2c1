export type { Db, Queryable, QueryResult } from './db.js';
export { isTransientDbError, sqlState, UNIQUE_VIOLATION } from './db.js';
export { openDb, checkDatabase, type OpenDbOptions } from './open.js';
export { openPg, redactUrl } from './pg.js';
export { openPglite } from './pglite.js';
export { migrate, loadMigrations } from './migrate.js';
