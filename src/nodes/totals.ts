import type { Queryable } from '../db/index.js';

/** Registry totals for `muster info system`: nodes, groups, and the VNFS names in use. */
export interface RegistryTotals {
  nodes: number;
  groups: number;
  vnfs: string[];
}

export async function registryTotals(db: Queryable): Promise<RegistryTotals> {
  const { rows } = await db.query<RegistryTotals>(
    `SELECT count(*)::int AS nodes, count(DISTINCT groupname)::int AS groups,
            coalesce(array_agg(DISTINCT vnfs) FILTER (WHERE vnfs <> ''), '{}') AS vnfs FROM nodes`,
  );
  return rows[0]!;
}
