/** Messages between the daemon and its embedded-database thread (pglite-worker.ts). */
export type WorkerOp =
  | { op: 'open' }
  | { op: 'query'; sql: string; params: unknown[]; paged?: number[] }
  | { op: 'exec'; sql: string }
  | { op: 'listen'; channel: string }
  | { op: 'unlisten'; channel: string }
  | { op: 'close' };

export type WorkerRequest = WorkerOp & { id: number };

/** The daemon has taken page(s) of request `ack`: send the next. */
export type PageAck = { ack: number };

/**
 * A long array parameter goes the other way in parts too: serializing 100,000 elements is one
 * synchronous postMessage on the daemon's thread. Parts of PARAMS_PER_MESSAGE elements, one per
 * event-loop turn, then the query, whose `paged` names the parameters sent in parts (the worker
 * puts each together in order).
 */
export type ParamPart = { id: number; param: number; part: unknown[] };

export const PARAMS_PER_MESSAGE = 10_000;

/**
 * A big result comes as pages of ROWS_PER_MESSAGE rows, then the reply. The worker sends the
 * next page only when the daemon acks the last one (PageAck): messages already queued on a port
 * are all deserialized in one event-loop turn, so 100,000 rows sent at once would block it.
 */
export const ROWS_PER_MESSAGE = 2000;

export type WorkerReply =
  | { id: number; page: unknown[] }
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: Record<string, unknown> }
  | { notify: string; payload: string };
