import pg from 'pg';
import type { Db, Queryable, QueryResult } from './db.js';

// int8 (bigserial ids, counts) as JS numbers, as PGlite returns them: ids stay far below 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));

/**
 * Real Postgres through a pg Pool. Connection errors on idle clients are expected when the
 * server restarts: the pool drops the client and the next query reconnects.
 */
export interface PgPoolOptions {
  /** connections in the pool ('database pool size') */
  max?: number;
  /** how long a query waits for a connection before it fails (a transient error, retried) */
  acquireTimeoutMs?: number;
  /** how long opening one connection may take (a loaded server is slow to fork and authenticate) */
  connectTimeoutMs?: number;
}

export async function openPg(url: string, opts: PgPoolOptions = {}): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 20, connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000 });
  pool.on('error', () => undefined);
  const client = await pool.connect();
  client.release();
  return new PgDb(pool, url, opts.acquireTimeoutMs ?? 5000);
}

class PgDb implements Db {
  readonly kind = 'postgres' as const;
  private listeners = new Map<string, Set<(payload: string) => void>>();
  private listenClient: pg.Client | null = null;
  private listenConnecting: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
    private readonly acquireTimeoutMs: number,
  ) {}

  /** As pg's pool.query (a client whose query failed is dropped), with our bounded wait. */
  async query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
    const client = await this.checkout();
    const onError = (): void => undefined; // the query rejects too; the release below drops the client
    client.on('error', onError);
    try {
      const r = await client.query(sql, params as unknown[]);
      client.removeListener('error', onError);
      client.release();
      return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
    } catch (err) {
      client.removeListener('error', onError);
      client.release(true);
      throw err;
    }
  }

  /**
   * A pool client within acquireTimeoutMs. pg's pool has one timeout for both the wait and the
   * opening of a new connection, and kills a connection that opens slower: a short wait on a
   * loaded server then never gets a connection at all. Here the wait ends, and the connection
   * opening meanwhile joins the pool when it is up (its own bound is connectTimeoutMs).
   */
  private async checkout(): Promise<pg.PoolClient> {
    const pending = this.pool.connect();
    let timer: NodeJS.Timeout | undefined;
    const ms = this.acquireTimeoutMs;
    const waited = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout exceeded when trying to connect: no database connection free within ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([pending, waited]);
    } catch (err) {
      pending.then(
        (late) => late.release(),
        () => undefined,
      );
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      const result = await fn({
        async query<R>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
          const r = await client.query(sql, params as unknown[]);
          return { rows: r.rows as R[], rowCount: r.rowCount ?? r.rows.length };
        },
      });
      await client.query('COMMIT');
      return result;
    });
  }

  /**
   * One checkout of a pool client. The pool listens for 'error' only on idle clients, so a
   * server that dies mid-transaction would emit an unhandled 'error' and kill the daemon: we
   * listen for the whole checkout. A failure rolls back; a client whose connection failed (or
   * whose ROLLBACK fails) is destroyed, never returned to the pool.
   */
  private async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.checkout();
    let lost: Error | null = null;
    const onError = (err: Error): void => {
      lost ??= err;
    };
    client.on('error', onError);
    const release = (ok: boolean): void => {
      client.removeListener('error', onError);
      client.release(ok && !lost ? undefined : true);
    };
    try {
      const result = await fn(client);
      release(true);
      return result;
    } catch (err) {
      const rolledBack =
        !lost &&
        (await client.query('ROLLBACK').then(
          () => true,
          () => false,
        ));
      release(rolledBack);
      if (lost) {
        throw new Error(
          `the database connection was lost in the middle of a transaction (not committed unless COMMIT had reached the server): ${(lost as Error).message}`,
          { cause: err },
        );
      }
      throw err;
    }
  }

  async listen(channel: string, cb: (payload: string) => void): Promise<() => Promise<void>> {
    let set = this.listeners.get(channel);
    const fresh = !set;
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(cb);
    await this.ensureListenClient();
    if (fresh && this.listenClient) await this.listenClient.query(`LISTEN ${quoteIdent(channel)}`);
    return async () => {
      set.delete(cb);
      if (set.size === 0) {
        this.listeners.delete(channel);
        await this.listenClient?.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => undefined);
      }
    };
  }

  /** One dedicated connection for LISTEN; reconnects with backoff after a server restart. */
  private ensureListenClient(): Promise<void> {
    if (this.listenClient) return Promise.resolve();
    if (this.listenConnecting) return this.listenConnecting;
    this.listenConnecting = (async () => {
      const client = new pg.Client({ connectionString: this.url });
      client.on('notification', (n) => {
        for (const cb of this.listeners.get(n.channel) ?? []) cb(n.payload ?? '');
      });
      client.on('error', () => this.dropListenClient(client));
      client.on('end', () => this.dropListenClient(client));
      try {
        await client.connect();
        for (const ch of this.listeners.keys()) await client.query(`LISTEN ${quoteIdent(ch)}`);
      } catch (err) {
        await client.end().catch(() => undefined);
        throw err;
      }
      this.listenClient = client;
    })().finally(() => {
      this.listenConnecting = null;
    });
    return this.listenConnecting;
  }

  private dropListenClient(client: pg.Client): void {
    if (this.listenClient !== client) return;
    this.listenClient = null;
    client.end().catch(() => undefined);
    if (this.closed || this.listeners.size === 0) return;
    const retry = (delay: number) =>
      setTimeout(() => {
        if (this.closed) return;
        this.ensureListenClient().catch(() => retry(Math.min(delay * 2, 5000)));
      }, delay).unref();
    retry(200);
  }

  async exec(sql: string): Promise<void> {
    // A failed block that opened a transaction leaves its connection aborted: withClient ends it.
    await this.withClient(async (client) => {
      await client.query(sql);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.listenClient;
    this.listenClient = null;
    await c?.end().catch(() => undefined);
    await this.pool.end();
  }
}

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** The URL with any password replaced, for error messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}
