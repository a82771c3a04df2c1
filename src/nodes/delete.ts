import type { Db, Queryable } from '../db/index.js';
import { MusterError } from '../errors.js';
import { addEvents } from '../events/index.js';
import { macNodeId, tryParseMac } from './mac.js';
import { NODE_COLUMNS, toNode } from './row.js';
import type { Node } from './types.js';

export async function deleteNodes(db: Db, macs: string[]): Promise<Node[]> {
  if (macs.length === 0) return [];
  return db.tx(async (q) => {
    const { rows } = await q.query(`DELETE FROM nodes WHERE mac = ANY($1::macaddr[]) RETURNING ${NODE_COLUMNS}`, [macs]);
    const gone = rows.map(toNode);
    await addEvents(
      q,
      gone.map((n) => ({ kind: 'node.deleted', level: 'warn' as const, node: n.name, mac: n.mac, message: `node '${n.name}' deleted` })),
    );
    return gone;
  });
}

/**
 * Perceus `node replace <old> <new>`: the new hardware takes over the old node's name and every
 * field; the old NodeID is removed (and so is the new node's own name). When `newId` is a MAC that
 * is not registered yet, the old node simply moves to that MAC.
 */
/**
 * A running job's worker finishes it by the node's MAC, so the MAC must not change under it. The
 * lock is the queue's per-node one (enqueue, completion and cancel take it); the job rows that may
 * be claimed are locked too, so no claim starts one while the node moves.
 */
async function refuseRunningJob(q: Queryable, node: Node): Promise<void> {
  await q.query(`SELECT muster_lock_node($1::macaddr)`, [node.mac]);
  const { rows } = await q.query<{ id: string; state: string }>(
    `SELECT id::text, state FROM jobs WHERE node = $1::macaddr AND (state = 'running' OR ready) FOR UPDATE`,
    [node.mac],
  );
  const running = rows.find((r) => r.state === 'running');
  if (running) {
    throw new MusterError('JOB_ACTIVE', `node '${node.name}' is running job ${running.id}: wait for it or cancel it, then replace the node`);
  }
}

export async function replaceNode(db: Db, oldMac: string, newId: { mac?: string; name?: string }): Promise<Node> {
  return db.tx(async (q) => {
    const old = await q.query(`SELECT ${NODE_COLUMNS} FROM nodes WHERE mac = $1::macaddr`, [oldMac]);
    if (!old.rows[0]) throw new MusterError('NODE_NOT_FOUND', `node ${macNodeId(oldMac)} does not exist`);
    const oldNode = toNode(old.rows[0]);
    const target = newId.mac
      ? await q.query<{ mac: string; name: string }>(`SELECT mac::text AS mac, name FROM nodes WHERE mac = $1::macaddr`, [newId.mac])
      : await q.query<{ mac: string; name: string }>(`SELECT mac::text AS mac, name FROM nodes WHERE name = $1`, [newId.name]);
    const t = target.rows[0];
    if (!t && !newId.mac) throw new MusterError('NODE_NOT_FOUND', `node '${newId.name}' does not exist`);
    const newMac = t?.mac ?? tryParseMac(newId.mac!)!;
    if (newMac === oldNode.mac) throw new MusterError('REQUEST_INVALID', 'a node cannot replace itself');
    await refuseRunningJob(q, oldNode);
    if (t) await q.query(`DELETE FROM nodes WHERE mac = $1::macaddr`, [t.mac]);
    const { rows } = await q.query(`UPDATE nodes SET mac = $2::macaddr, updated_at = now() WHERE mac = $1::macaddr RETURNING ${NODE_COLUMNS}`, [
      oldNode.mac,
      newMac,
    ]);
    const node = toNode(rows[0]);
    await addEvents(q, [
      {
        kind: 'node.replaced',
        level: 'warn',
        node: node.name,
        mac: node.mac,
        message: `node '${node.name}' moved from ${macNodeId(oldNode.mac)} to ${macNodeId(newMac)}` + (t ? ` (node '${t.name}' removed)` : ''),
      },
    ]);
    return node;
  });
}
