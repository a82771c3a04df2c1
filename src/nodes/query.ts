import type { Queryable } from '../db/index.js';
import { NODE_COLUMNS, toNode } from './row.js';
import type { Node } from './types.js';

export async function getNodeByMac(db: Queryable, mac: string): Promise<Node | null> {
  const { rows } = await db.query(`SELECT ${NODE_COLUMNS} FROM nodes WHERE mac = $1::macaddr`, [mac]);
  return rows[0] === undefined ? null : toNode(rows[0]);
}

export async function getNodeByName(db: Queryable, name: string): Promise<Node | null> {
  const { rows } = await db.query(`SELECT ${NODE_COLUMNS} FROM nodes WHERE name = $1`, [name]);
  return rows[0] === undefined ? null : toNode(rows[0]);
}

/**
 * Records a node's contact (the state it asked for, the address it came from, now) and returns
 * the node as updated, in one statement: the hot path of every provisioning request. The address
 * goes to observed_ipaddr only: ipaddr is the admin's, the node's DHCP fixed address. `vnfs` is
 * the name@revision a node's overlay reports from inside the image it booted. Null when no node
 * has this MAC.
 */
export async function recordContact(
  db: Queryable,
  mac: string,
  c: { status: string; from: string | null; vnfs?: string | null | undefined },
): Promise<Node | null> {
  const { rows } = await db.query(
    `UPDATE nodes SET status = $2, lastcontact = now(), timed_out_at = NULL,
       observed_ipaddr = coalesce($3::inet, observed_ipaddr),
       observed_at = CASE WHEN $3::inet IS NULL THEN observed_at ELSE now() END,
       vnfs_booted = coalesce($4, vnfs_booted)
     WHERE mac = $1::macaddr RETURNING ${NODE_COLUMNS}`,
    [mac, c.status, c.from, c.vnfs ?? null],
  );
  return rows[0] === undefined ? null : toNode(rows[0]);
}

/** The VNFS revision (name@revision) a node's iPXE script just named. */
export async function recordVnfsBoot(db: Queryable, mac: string, vnfs: string): Promise<void> {
  await db.query(`UPDATE nodes SET vnfs_boot = $2, vnfs_boot_at = now() WHERE mac = $1::macaddr`, [mac, vnfs]);
}

export interface GroupCount {
  group: string;
  nodes: number;
}

export async function listGroups(db: Queryable): Promise<GroupCount[]> {
  const { rows } = await db.query<GroupCount>(`SELECT groupname AS "group", count(*)::int AS nodes FROM nodes GROUP BY groupname ORDER BY groupname`);
  return rows;
}
