import { NodeSchema, type Node } from './types.js';

/** The select list every registry query uses, so rows always map to the Node shape. */
export const NODE_COLUMNS = `mac::text AS mac, name, groupname AS "group", vnfs, enabled, debug, descr AS "desc", bootenv,
  status, host(ipaddr) AS ipaddr, host(observed_ipaddr) AS "observedIpaddr", observed_at AS "observedAt", lastcontact, timed_out_at AS "timedOutAt", last_exit AS "lastExit", last_report AS "lastReport",
  vnfs_boot AS "vnfsBoot", vnfs_boot_at AS "vnfsBootAt", vnfs_booted AS "vnfsBooted",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

export function toNode(row: unknown): Node {
  return NodeSchema.parse(row);
}
