/**
 * The embedded database's own thread: it owns the PGlite instance, so a heavy statement (100,000
 * rows) runs here and the daemon's event loop keeps serving DHCP, TFTP and node HTTP. Requests
 * are executed strictly one after another in arrival order — PGlite has one session, and the
 * main thread relies on that order to keep a transaction's statements together.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { ROWS_PER_MESSAGE, type PageAck, type ParamPart, type WorkerReply, type WorkerRequest } from './pglite-protocol.js';

const port = parentPort!;
const dataDir = (workerData as { dataDir: string | null }).dataDir;
/**
 * PostgreSQL's default 128 MB of shared buffers live in the WASM heap and made ~290 MB of the
 * daemon's peak RSS at start; 32 MB holds a 100,000-node registry's hot pages (the data dir's
 * pages stay in the OS page cache behind it) and brings PGlite's share to ~190 MB.
 */
const options = { startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'] };
const opening = dataDir ? PGlite.create(dataDir, options) : PGlite.create(options);
const unlisten = new Map<string, () => Promise<void>>();
let tail: Promise<void> = Promise.resolve();
/** The request whose page waits for its ack (one at a time: requests are served in order). */
let acked: (() => void) | null = null;

/** The parts of long parameters, by request id and parameter index, until the query comes. */
const parts = new Map<number, Map<number, unknown[]>>();

port.on('message', (m: WorkerRequest | PageAck | ParamPart) => {
  if ('ack' in m) acked?.();
  else if ('part' in m) addPart(m);
  else tail = tail.then(() => serve(m));
});

function addPart(m: ParamPart): void {
  let byParam = parts.get(m.id);
  if (!byParam) parts.set(m.id, (byParam = new Map()));
  const have = byParam.get(m.param);
  if (have) for (const v of m.part) have.push(v);
  else byParam.set(m.param, m.part);
}

function paramsOf(req: WorkerRequest & { op: 'query' }): unknown[] {
  if (!req.paged) return req.params;
  const byParam = parts.get(req.id);
  parts.delete(req.id);
  return req.params.map((v, i) => byParam?.get(i) ?? v);
}

async function serve(req: WorkerRequest): Promise<void> {
  let reply: WorkerReply;
  try {
    const pg = await opening;
    reply = { id: req.id, ok: true, result: await run(pg, req) };
  } catch (err) {
    reply = { id: req.id, ok: false, error: errorFields(err) };
  }
  port.postMessage(reply);
}

async function run(pg: PGlite, req: WorkerRequest): Promise<unknown> {
  switch (req.op) {
    case 'open':
      return null;
    case 'query': {
      const r = await pg.query(req.sql, paramsOf(req));
      // All pages but the last go ahead of the reply; the main thread concatenates them in order.
      let last = 0;
      for (let i = ROWS_PER_MESSAGE; i < r.rows.length; i += ROWS_PER_MESSAGE) {
        const taken = new Promise<void>((resolve) => (acked = resolve));
        port.postMessage({ id: req.id, page: r.rows.slice(last, i) } satisfies WorkerReply);
        await taken;
        last = i;
      }
      acked = null;
      return { rows: r.rows.slice(last), rowCount: r.affectedRows ?? r.rows.length };
    }
    case 'exec':
      try {
        await pg.exec(req.sql);
      } catch (err) {
        // A failed multi-statement block can leave the session inside an aborted transaction.
        await pg.exec('ROLLBACK').catch(() => undefined);
        throw err;
      }
      return null;
    case 'listen':
      if (!unlisten.has(req.channel)) {
        unlisten.set(req.channel, await pg.listen(req.channel, (payload) => port.postMessage({ notify: req.channel, payload } satisfies WorkerReply)));
      }
      return null;
    case 'unlisten':
      await unlisten.get(req.channel)?.();
      unlisten.delete(req.channel);
      return null;
    case 'close':
      await pg.close();
      return null;
  }
}

/** The error as plain fields that survive postMessage: message, SQLSTATE code, detail, constraint… */
function errorFields(err: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { message: err instanceof Error ? err.message : String(err) };
  if (err && typeof err === 'object') {
    for (const [k, v] of Object.entries(err)) if (typeof v === 'string' || typeof v === 'number') out[k] = v;
  }
  return out;
}
