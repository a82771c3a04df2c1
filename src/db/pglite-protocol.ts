/** Messages between the daemon and its embedded-database thread (pglite-worker.ts). */
export type WorkerOp =
  | { op: 'open' }
  | { op: 'query'; sql: string; params: unknown[] }
  | { op: 'exec'; sql: string }
  | { op: 'listen'; channel: string }
  | { op: 'unlisten'; channel: string }
  | { op: 'close' };

export type WorkerRequest = WorkerOp & { id: number };

/**
 * A big result comes as pages of ROWS_PER_MESSAGE rows, then the reply: each message is
 * deserialized in its own event-loop turn of the daemon, so 100,000 rows never block it at once.
 */
export const ROWS_PER_MESSAGE = 2000;

export type WorkerReply =
  | { id: number; page: unknown[] }
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: Record<string, unknown> }
  | { notify: string; payload: string };
