import type { Queryable } from '../../db/index.js';
import type { JigContext } from './types.js';

/**
 * The environment a Perceus module gets for one node, which master-side scripts expect too.
 * STATE is the node's last reported provisioning state.
 */
export async function perceusEnv(db: Queryable, mac: string, ctx: JigContext): Promise<Record<string, string>> {
  const { rows } = await db.query<{
    name: string; groupname: string; vnfs: string; enabled: boolean; debug: number; status: string | null; ip: string | null;
  }>(
    `SELECT name, groupname, vnfs, enabled, debug, status, host(ipaddr) AS ip FROM nodes WHERE mac = $1::macaddr`,
    [mac],
  );
  const n = rows[0];
  if (!n) throw new Error(`node ${mac} is no longer registered`);
  return {
    STATE: n.status ?? '',
    NODENAME: n.name,
    VNFS: n.vnfs,
    ENABLED: n.enabled ? '1' : '0',
    DEBUG: String(n.debug),
    GROUPNAME: n.groupname,
    NODEID: mac,
    IPADDR: n.ip ?? '',
    STATEDIR: ctx.statedir,
    ...ctx.perceus,
    PATH: '/bin:/usr/bin:/sbin:/usr/sbin',
  };
}

/** Job args as JOB_<KEY> variables (keys are checked against ARG_KEY at enqueue). */
export function jobArgEnv(args: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(args).map(([k, v]) => [`JOB_${k.toUpperCase()}`, String(v)]));
}
