import type { Db, Queryable } from '../../src/db/index.js';

/** A MAC for node number i (02:00:… locally administered). */
export function macOf(i: number): string {
  const hex = i.toString(16).padStart(8, '0');
  return `02:00:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}:${hex.slice(6, 8)}`;
}

/** Registers nodes n0000.. directly in the table (the registry code is not under test here). */
export async function addNodes(db: Queryable, count: number, from = 0): Promise<string[]> {
  const macs = Array.from({ length: count }, (_, i) => macOf(from + i));
  const names = macs.map((_, i) => `n${String(from + i).padStart(4, '0')}`);
  await db.query(`INSERT INTO nodes (mac, name) SELECT * FROM unnest($1::macaddr[], $2::text[])`, [macs, names]);
  return macs;
}

export async function jobStates(db: Queryable, ids: number[]): Promise<string[]> {
  const { rows } = await db.query<{ id: number; state: string }>(`SELECT id, state FROM jobs WHERE id = ANY($1::bigint[])`, [ids]);
  const by = new Map(rows.map((r) => [r.id, r.state]));
  return ids.map((id) => by.get(id) ?? 'missing');
}

export async function eventsOf(db: Db, jobId: number): Promise<string[]> {
  const { rows } = await db.query<{ kind: string }>(`SELECT kind FROM events WHERE (data->>'job')::bigint = $1 ORDER BY id`, [jobId]);
  return rows.map((r) => r.kind);
}
