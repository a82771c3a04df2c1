import { macNodeId } from '../nodes/index.js';
import type { Node } from '../nodes/index.js';
import { perlCompatEnv } from './perceus-compat.js';

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
 * A node field as Perceus's database handed it to scriptrunner: a Perl-false value (unset, ""
 * or "0") reads back as "". Its modules are written against that: 00-init prints the debug level
 * for any non-empty DEBUG, syncnodes' `[ "$ENABLED" -eq 0 ]` fails on "" so a disabled node is
 * left alone. So a debug-0 node gets DEBUG="", a disabled one ENABLED="" (issue 9 defect 12).
 */
export function perceusField(value: string | number | boolean): string {
  const text = typeof value === 'boolean' ? (value ? '1' : '') : String(value);
  return text === '0' ? '' : text;
}

/**
 * The environment of an executable module, exactly Perceus's (reference perceus.md §2.8) and
 * nothing of the daemon's own, with these differences:
 * - IPADDR is the address the request came from. Perceus's was always empty (scriptrunner read
 *   an undefined variable), so no Perceus module can depend on it; muster's is useful.
 * - PERL5LIB and PERL5OPT load muster's stand-in for Perceus's Perl library in Perl modules,
 *   on a master without Perceus (perceus-compat.ts).
 * - The process runner adds MUSTER_RUN_ID, the marker by which it finds and kills what a module
 *   leaves running (src/proc/marked.ts).
 * NODEID (an upper-case MAC) and STATEDIR (with its trailing '/') can never be Perl-false;
 * VNFSMETHOD/MASTER/PREFIX are perceus.conf values, where an empty value already means unset.
 */
export function moduleEnv(args: { state: string; node: Node; ipaddr: string | null; statedir: string; vnfs: VnfsTransfer }): Record<string, string> {
  const { node } = args;
  return {
    PATH: '/bin:/usr/bin:/sbin:/usr/sbin',
    STATE: args.state,
    NODENAME: perceusField(node.name),
    VNFS: perceusField(node.vnfs),
    ENABLED: perceusField(node.enabled),
    DEBUG: perceusField(node.debug),
    GROUPNAME: perceusField(node.group),
    NODEID: macNodeId(node.mac),
    IPADDR: plainAddress(args.ipaddr),
    STATEDIR: args.statedir.endsWith('/') ? args.statedir : args.statedir + '/',
    VNFSMETHOD: args.vnfs.vnfsMethod,
    VNFSMASTER: args.vnfs.vnfsMaster,
    VNFSPREFIX: args.vnfs.vnfsPrefix,
    ...perlCompatEnv(),
  };
}
