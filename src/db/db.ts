/**
 * The one database interface muster uses. Two implementations: PGlite in-process (embedded,
 * default) and a pg Pool (DATABASE_URL). Runtime queries are single statements with $n params;
 * multi-statement text (migrations) goes through exec(). Keep transactions short: on PGlite every
 * other query waits behind an open transaction.
 */
export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** BEGIN … COMMIT; ROLLBACK when fn throws. No side effects outside the DB inside fn. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** A wake-up hint, never a correctness mechanism: callers keep a poll fallback. */
  listen(channel: string, cb: (payload: string) => void): Promise<() => Promise<void>>;
  exec(multiStatementSql: string): Promise<void>;
  close(): Promise<void>;
}

/** Postgres SQLSTATE of a failed query, if any. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export const UNIQUE_VIOLATION = '23505';

/**
 * A failure that says nothing about the request, only that the database is short of
 * connections or briefly unreachable (pool wait exceeded, server restarting, connection cut):
 * asking again shortly can succeed. Serialization failures and deadlocks count too.
 */
export function isTransientDbError(err: unknown): boolean {
  const state = sqlState(err);
  if (state !== undefined) return state.startsWith('08') || ['53300', '57P01', '57P02', '57P03', '40001', '40P01'].includes(state);
  const e = err as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(e.code)) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /timeout exceeded when trying to connect|Connection terminated|connection was lost in the middle of a transaction/.test(message);
}
