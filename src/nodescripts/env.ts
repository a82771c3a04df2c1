import { macNodeId } from '../nodes/index.js';
import type { Node } from '../nodes/index.js';

/** Where VNFS images come from: perceus.conf's `vnfs transfer method/master/prefix`. */
export interface VnfsTransfer {
  vnfsMethod: string;
  vnfsMaster: string;
  vnfsPrefix: string;
}

/** `::ffff:10.0.0.5` (a v4 peer on a dual-stack socket) → `10.0.0.5`. */
export function plainAddress(ip: string | null | undefined): string {
  if (!ip) return '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/**
 * The environment of an executable module, exactly Perceus's (reference perceus.md §2.8) and
 * nothing of the daemon's own — except IPADDR, which Perceus always left empty: here it is the
 * address the request came from. The process runner adds one variable, MUSTER_RUN_ID, the marker
 * by which it finds and kills what a module leaves running (src/proc/marked.ts).
 */
export function moduleEnv(args: { state: string; node: Node; ipaddr: string | null; statedir: string; vnfs: VnfsTransfer }): Record<string, string> {
  const { node } = args;
  return {
    PATH: '/bin:/usr/bin:/sbin:/usr/sbin',
    STATE: args.state,
    NODENAME: node.name,
    VNFS: node.vnfs,
    ENABLED: node.enabled ? '1' : '0',
    DEBUG: String(node.debug),
    GROUPNAME: node.group,
    NODEID: macNodeId(node.mac),
    IPADDR: plainAddress(args.ipaddr),
    STATEDIR: args.statedir.endsWith('/') ? args.statedir : args.statedir + '/',
    VNFSMETHOD: args.vnfs.vnfsMethod,
    VNFSMASTER: args.vnfs.vnfsMaster,
    VNFSPREFIX: args.vnfs.vnfsPrefix,
  };
}
