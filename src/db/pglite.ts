import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Db, Queryable, QueryResult } from './db.js';
import { acquireLock, type Lock } from './lock.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { seedFromTemplate } from './pglite-template.js';
import { PARAMS_PER_MESSAGE, type PageAck, type ParamPart, type WorkerOp, type WorkerReply } from './pglite-protocol.js';

/**
 * Embedded Postgres (WASM), run in a worker thread of this process (pglite-worker.ts) so that a
 * heavy statement never stalls the event loop. PGlite has a single session: a transaction holds
 * it from BEGIN to COMMIT and every other query waits behind it; SKIP LOCKED never skips; NOTIFY
 * is delivered in-process only. Two processes on one data dir corrupt it silently, so this
 * process holds an exclusive lock on it. PGlite never fsyncs: data survives a daemon crash, not
 * a power cut.
 */
export async function openPglite(dataDir: string | null): Promise<Db> {
  const lock = dataDir ? await acquireLock(dataDir) : null;
  try {
    if (dataDir) await seedFromTemplate(dataDir);
  } catch (err) {
    await lock?.release();
    throw err;
  }
  const db = new PgliteDb(startWorker(dataDir), lock);
  try {
    await db.call({ op: 'open' });
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return db;
}

/** The worker beside this module: pglite-worker.js in dist/; from source (tests, benches) the .ts through tsx. */
function startWorker(dataDir: string | null): Worker {
  const url = new URL(`./pglite-worker${extname(new URL(import.meta.url).pathname)}`, import.meta.url);
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData: { dataDir } });
  // Node 20 does not carry tsx's loader hooks into worker threads: register them there first.
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, workerData: { dataDir } });
}

function hasLongParam(op: WorkerOp): boolean {
  return op.op === 'query' && op.params.some((p) => Array.isArray(p) && p.length > PARAMS_PER_MESSAGE);
}

/** A request in flight; `rows` gathers the pages of a big result as they come. */
type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; rows: unknown[] };

class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(payload: string) => void>>();
  /** Settles when the open transaction ends; queries outside it wait for that. */
  private txDone: Promise<void> | null = null;
  private dead: Error | null = null;
  private closing: Promise<void> | null = null;
  /** Requests waiting behind one whose long parameters are being sent in parts (see call). */
  private sendsQueued = 0;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly worker: Worker,
    private readonly lock: Lock | null,
  ) {
    worker.on('message', (m: WorkerReply) => this.onMessage(m));
    worker.on('error', (err) => this.fail(new Error(`the embedded database thread failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => this.fail(new Error(`the embedded database thread exited (code ${code})`)));
  }

  /**
   * Sends one request. Requests reach the worker in call order — what keeps a transaction's
   * statements together: the postMessage happens synchronously in this call, unless a request
   * with long parameters is still being sent in parts; then this one queues behind it.
   */
  call(op: WorkerOp): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    const done = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject, rows: [] }));
    if (this.sendsQueued === 0 && !hasLongParam(op)) {
      this.worker.postMessage({ ...op, id });
    } else {
      this.sendsQueued++;
      this.sending = this.sending
        .then(() => this.sendInParts(id, op))
        .catch((err: Error) => {
          this.pending.get(id)?.reject(err);
          this.pending.delete(id);
        })
        .finally(() => this.sendsQueued--);
    }
    return done;
  }

  /** Long array parameters first, in parts, one per event-loop turn (see ParamPart); then the request. */
  private async sendInParts(id: number, op: WorkerOp): Promise<void> {
    if (this.dead) throw this.dead;
    if (op.op !== 'query' || !hasLongParam(op)) return this.worker.postMessage({ ...op, id });
    const params = [...op.params];
    const paged: number[] = [];
    for (let i = 0; i < params.length; i++) {
      const p = params[i];
      if (!Array.isArray(p) || p.length <= PARAMS_PER_MESSAGE) continue;
      for (let k = 0; k < p.length; k += PARAMS_PER_MESSAGE) {
        this.worker.postMessage({ id, param: i, part: p.slice(k, k + PARAMS_PER_MESSAGE) } satisfies ParamPart);
        await nextTurn();
        if (this.dead) throw this.dead;
      }
      params[i] = null;
      paged.push(i);
    }
    this.worker.postMessage({ ...op, params, paged, id });
  }

  private onMessage(m: WorkerReply): void {
    if ('notify' in m) {
      for (const cb of this.listeners.get(m.notify) ?? []) cb(m.payload);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    if ('page' in m) {
      for (const row of m.page) p.rows.push(row);
      this.worker.postMessage({ ack: m.id } satisfies PageAck);
      return;
    }
    this.pending.delete(m.id);
    if (m.ok && p.rows.length > 0) {
      const r = m.result as QueryResult<unknown>;
      for (const row of r.rows) p.rows.push(row);
      p.resolve({ ...r, rows: p.rows });
    } else if (m.ok) p.resolve(m.result);
    else p.reject(Object.assign(new Error(String(m.error.message)), m.error));
  }

  private fail(err: Error): void {
    this.dead ??= err;
    for (const p of this.pending.values()) p.reject(this.dead);
    this.pending.clear();
  }

  // Each wait for the open transaction is followed synchronously (no await in between) by the
  // send, or by taking the session: otherwise a statement could slip in after another BEGIN.
  async query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
    while (this.txDone) await this.txDone;
    return (await this.call({ op: 'query', sql, params })) as QueryResult<T>;
  }

  async tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    while (this.txDone) await this.txDone;
    let end!: () => void;
    this.txDone = new Promise((r) => (end = r));
    const inTx: Queryable = {
      query: async <R>(sql: string, params: unknown[] = []) => (await this.call({ op: 'query', sql, params })) as QueryResult<R>,
    };
    try {
      await inTx.query('BEGIN');
      let result: T;
      try {
        result = await fn(inTx);
      } catch (err) {
        await inTx.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
      await inTx.query('COMMIT');
      return result;
    } finally {
      this.txDone = null;
      end();
    }
  }

  async listen(channel: string, cb: (payload: string) => void): Promise<() => Promise<void>> {
    let set = this.listeners.get(channel);
    if (!set) {
      this.listeners.set(channel, (set = new Set()));
      // Not inside someone's transaction: a rolled-back LISTEN would be lost.
      while (this.txDone) await this.txDone;
      await this.call({ op: 'listen', channel });
    }
    set.add(cb);
    return async () => {
      set.delete(cb);
      if (set.size === 0 && this.listeners.get(channel) === set) {
        this.listeners.delete(channel);
        await this.call({ op: 'unlisten', channel }).catch(() => undefined);
      }
    };
  }

  async exec(sql: string): Promise<void> {
    while (this.txDone) await this.txDone;
    await this.call({ op: 'exec', sql });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        if (!this.dead) await this.call({ op: 'close' });
      } finally {
        await this.worker.terminate();
        await this.lock?.release();
      }
    })();
    return this.closing;
  }
}
