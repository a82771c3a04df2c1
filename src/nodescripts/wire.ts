import { isValidNodeName, tryParseMac } from '../nodes/index.js';
import { isValidState } from './tree.js';
import { printable } from '../text.js';

/** A parsed request line of the Perceus wire protocol (reference perceus.md §1.3–1.5). */
export type WireRequest =
  | { kind: 'ping'; reply: string }
  | { kind: 'log'; message: string; mac: string | null }
  | { kind: 'state'; state: string; mac: string | null; nodename?: string }
  | { kind: 'invalid'; reason: string };

/** Characters of a node's `log` message kept (Perceus kept all of it; the request line is capped anyway). */
export const LOG_MAX = 1000;

/**
 * `<command> [k=v | word]…`: whitespace-separated; `nodeid=` is the node's MAC (any spelling
 * parseMac takes), `nodename=` a hostname for auto-add. Unlike Perceus, every bad value is
 * refused with a reason instead of being ignored or trusted.
 */
export function parseWireRequest(line: string): WireRequest {
  const tokens = line
    .trim()
    .split(/\s+/)
    .filter((t) => t !== '');
  const command = tokens[0];
  if (command === undefined) return { kind: 'invalid', reason: 'empty request; send "<state> [nodeid=<MAC>]"' };
  const args = tokens.slice(1);
  if (command === 'ping') return { kind: 'ping', reply: args.length > 0 ? args.join(' ') : 'ping' };
  const kv = new Map<string, string>();
  for (const t of args) {
    const eq = t.indexOf('=');
    if (eq > 0) kv.set(t.slice(0, eq), t.slice(eq + 1).split('=')[0]!);
  }
  let mac: string | null = null;
  const nodeid = kv.get('nodeid');
  if (nodeid !== undefined) {
    mac = tryParseMac(nodeid);
    if (mac === null) return { kind: 'invalid', reason: `nodeid '${printable(nodeid)}' is not a MAC address (aa:bb:cc:dd:ee:ff)` };
  }
  if (command === 'log') return { kind: 'log', message: printable(args.join(' '), LOG_MAX), mac };
  if (!isValidState(command)) {
    return { kind: 'invalid', reason: `'${printable(command)}' is not a state: use letters, digits and '_' (e.g. init, ready)` };
  }
  const nodename = kv.get('nodename');
  if (nodename !== undefined && !isValidNodeName(nodename)) {
    return { kind: 'invalid', reason: `nodename '${printable(nodename)}' is not a valid hostname (letters, digits, '-')` };
  }
  return nodename === undefined ? { kind: 'state', state: command, mac } : { kind: 'state', state: command, mac, nodename };
}
