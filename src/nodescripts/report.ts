import type { Queryable } from '../db/index.js';

export interface NodeReport {
  lastExit: number | null;
  lastReport: Date | null;
}

/** Records the exit status a node's provisiond reported; false when no such node. */
export async function recordReport(db: Queryable, mac: string, exit: number): Promise<boolean> {
  const r = await db.query(`UPDATE nodes SET last_exit = $2, last_report = now() WHERE mac = $1::macaddr`, [mac, exit]);
  return r.rowCount > 0;
}

export async function getReport(db: Queryable, mac: string): Promise<NodeReport | null> {
  const { rows } = await db.query<{ last_exit: number | null; last_report: Date | null }>(`SELECT last_exit, last_report FROM nodes WHERE mac = $1::macaddr`, [
    mac,
  ]);
  const r = rows[0];
  return r ? { lastExit: r.last_exit, lastReport: r.last_report } : null;
}
