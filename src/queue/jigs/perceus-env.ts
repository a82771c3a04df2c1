import type { Queryable } from '../../db/index.js';
import { getNodeByMac } from '../../nodes/index.js';
import { moduleEnv } from '../../nodescripts/index.js';
import type { JigContext } from './types.js';

/**
 * The environment a Perceus module gets for one node (the same function builds it for
 * nodescripts), which master-side scripts expect too. STATE is the node's last reported state,
 * IPADDR the address its last request came from (a module's IPADDR), else the one the admin set.
 */
export async function perceusEnv(db: Queryable, mac: string, ctx: JigContext): Promise<Record<string, string>> {
  const node = await getNodeByMac(db, mac);
  if (!node) throw new Error(`node ${mac} is no longer registered`);
  const { VNFSMETHOD, VNFSMASTER, VNFSPREFIX } = ctx.perceus;
  return moduleEnv({
    state: node.status ?? '',
    node,
    ipaddr: node.observedIpaddr ?? node.ipaddr,
    statedir: ctx.statedir,
    vnfs: { vnfsMethod: VNFSMETHOD, vnfsMaster: VNFSMASTER, vnfsPrefix: VNFSPREFIX },
  });
}

/** Job args as JOB_<KEY> variables (keys are checked against ARG_KEY at enqueue). */
export function jobArgEnv(args: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(args).map(([k, v]) => [`JOB_${k.toUpperCase()}`, String(v)]));
}
