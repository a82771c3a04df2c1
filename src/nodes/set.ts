import { isIPv4 } from 'node:net';
import type { Db } from '../db/index.js';
import { sqlState, UNIQUE_VIOLATION } from '../db/index.js';
import { MusterError } from '../errors.js';
import { addEvents } from '../events/index.js';
import { checkLabel, checkNodeName } from './names.js';
import { NODE_COLUMNS, toNode } from './row.js';
import type { Node } from './types.js';

/** Keys `node set` accepts (Perceus names), with the column each writes and how values parse. */
const SETTABLE = {
  hostname: { column: 'name', parse: (v: string) => checkNodeName(v) },
  group: { column: 'groupname', parse: (v: string) => (v === '' ? '' : checkLabel('group', v)) },
  vnfs: { column: 'vnfs', parse: (v: string) => (v === '' ? '' : checkLabel('vnfs', v)) },
  enabled: { column: 'enabled', parse: parseBool },
  debug: { column: 'debug', parse: parseDebug },
  desc: { column: 'descr', parse: parseDesc },
  bootenv: { column: 'bootenv', parse: (v: string) => checkLabel('bootenv', v) },
  ipaddr: { column: 'ipaddr', parse: parseIp },
} as const;

export type SetKey = keyof typeof SETTABLE;
export const SET_KEYS = Object.keys(SETTABLE) as SetKey[];

const ALIASES: Record<string, SetKey> = { name: 'hostname', groupname: 'group', description: 'desc', ip: 'ipaddr' };

/** The canonical key for what an admin typed (`Group`, `groupname`…), or SET_KEY_INVALID. */
export function resolveSetKey(key: string): SetKey {
  const k = key.toLowerCase();
  if (Object.hasOwn(SETTABLE, k)) return k as SetKey;
  const alias = ALIASES[k];
  if (alias) return alias;
  throw new MusterError('SET_KEY_INVALID', `'${key}' is not a node field that can be set; use one of: ${SET_KEYS.join(', ')}`);
}

/** Validates and converts a value for `key`; throws SET_VALUE_INVALID/NAME_INVALID with the reason. */
export function parseSetValue(key: SetKey, value: string): string | number | boolean | null {
  return SETTABLE[key].parse(value);
}

/** Sets one field on the given nodes in one transaction. Returns the updated nodes. */
export async function setNodes(db: Db, macs: string[], key: SetKey, raw: string): Promise<Node[]> {
  const value = parseSetValue(key, raw);
  if (key === 'hostname' && macs.length > 1) {
    throw new MusterError('SET_VALUE_INVALID', `cannot give ${macs.length} nodes the same hostname '${raw}'; names are unique`);
  }
  if (macs.length === 0) return [];
  const col = SETTABLE[key].column;
  try {
    return await db.tx(async (q) => {
      const { rows } = await q.query(`UPDATE nodes SET ${col} = $2, updated_at = now() WHERE mac = ANY($1::macaddr[]) RETURNING ${NODE_COLUMNS}`, [
        macs,
        value,
      ]);
      const nodes = rows.map(toNode);
      await addEvents(
        q,
        nodes.map((n) => ({ kind: 'node.set', node: n.name, mac: n.mac, message: `${key}='${raw}'`, data: { key, value } })),
      );
      return nodes;
    });
  } catch (err) {
    if (sqlState(err) === UNIQUE_VIOLATION) {
      throw new MusterError('NAME_TAKEN', `node name '${raw}' is already used by another node`, { cause: err });
    }
    throw err;
  }
}

function parseBool(v: string): boolean {
  const s = v.trim().toLowerCase();
  if (['1', 'yes', 'true', 'on'].includes(s)) return true;
  if (['0', 'no', 'false', 'off'].includes(s)) return false;
  throw new MusterError('SET_VALUE_INVALID', `enabled must be 1 or 0 (yes/no), not '${v}'`);
}

function parseDebug(v: string): number {
  if (!/^\d{1,2}$/.test(v.trim())) throw new MusterError('SET_VALUE_INVALID', `debug must be a level 0-99, not '${v}'`);
  return Number(v.trim());
}

function parseDesc(v: string): string {
  if (v.length > 256 || /[\x00-\x1f\x7f]/.test(v)) {
    throw new MusterError('SET_VALUE_INVALID', 'desc must be at most 256 printable characters');
  }
  return v;
}

function parseIp(v: string): string | null {
  if (v === '' || v === 'none') return null;
  if (!isIPv4(v)) throw new MusterError('SET_VALUE_INVALID', `ipaddr must be a dotted IPv4 address (or 'none'), not '${v}'`);
  return v;
}
