import type { Db, Queryable } from '../db/index.js';
import { sqlState, UNIQUE_VIOLATION } from '../db/index.js';
import { MusterError } from '../errors.js';
import { addEvents } from '../events/index.js';
import { eachChunked, mapChunked, sortChunked } from '../async/index.js';
import { parseMac, macNodeId } from './mac.js';
import { checkNodeName, formatName, nameNumber, namesExhausted, parseTemplate } from './names.js';
import { NODE_COLUMNS, toNode } from './row.js';
import type { Node, NodeDefaults } from './types.js';

export interface NewNode {
  mac: string;
  name?: string | undefined;
}

// Serializes name allocation across daemons sharing one Postgres (transaction-scoped: fine on PGlite).
const NAMING_LOCK = 0x6e616d65;

/**
 * Adds nodes in one transaction: all or none. Names not given are the lowest free numbers of the
 * template (gaps refilled, as Perceus). Never a duplicate MAC or name, even with concurrent adds.
 */
export async function addNodes(db: Db, input: NewNode[], defaults: NodeDefaults): Promise<Node[]> {
  const items = await mapChunked(input, (n) => ({ mac: parseMac(n.mac), name: n.name === undefined ? undefined : checkNodeName(n.name) }));
  // Each MAC's position in the request: the answer comes back in that order.
  const order = new Map<string, number>();
  const seenName = new Set<string>();
  await eachChunked(items, (it, i) => {
    if (order.has(it.mac)) throw new MusterError('NODE_EXISTS', `NodeID '${macNodeId(it.mac)}' is listed twice`);
    order.set(it.mac, i);
    if (it.name !== undefined) {
      if (seenName.has(it.name)) throw new MusterError('NAME_TAKEN', `node name '${it.name}' is listed twice`);
      seenName.add(it.name);
    }
  });
  if (items.length === 0) return [];
  try {
    const nodes = await db.tx(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock($1)', [NAMING_LOCK]);
      await refuseExisting(q, items);
      const names = await allocateNames(q, items, defaults);
      const { rows } = await q.query(
        `INSERT INTO nodes (mac, name, groupname, vnfs, enabled, debug, bootenv)
         SELECT m, n, $3, $4, $5, $6, $7 FROM unnest($1::macaddr[], $2::text[]) AS t(m, n)
         RETURNING ${NODE_COLUMNS}`,
        [await mapChunked(items, (i) => i.mac), names, defaults.group, defaults.vnfs, defaults.enabled, defaults.debug, defaults.bootenv],
      );
      const added = await mapChunked(rows, toNode);
      await addEvents(
        q,
        await mapChunked(added, (n) => ({ kind: 'node.added', node: n.name, mac: n.mac, message: `node '${n.name}' added (${macNodeId(n.mac)})` })),
      );
      return added;
    });
    return sortChunked(nodes, (a, b) => order.get(a.mac)! - order.get(b.mac)!);
  } catch (err) {
    if (sqlState(err) === UNIQUE_VIOLATION) {
      // Only reachable if someone bypasses the naming lock (e.g. a manual INSERT): still never a duplicate.
      throw new MusterError('NODE_EXISTS', `node already exists: ${(err as Error).message}`, { cause: err });
    }
    throw err;
  }
}

export async function addNode(db: Db, input: NewNode, defaults: NodeDefaults): Promise<Node> {
  const [node] = await addNodes(db, [input], defaults);
  return node!;
}

async function refuseExisting(q: Queryable, items: { mac: string; name?: string | undefined }[]): Promise<void> {
  const { rows } = await q.query<{ mac: string; name: string }>(
    `SELECT mac::text AS mac, name FROM nodes WHERE mac = ANY($1::macaddr[]) ORDER BY name LIMIT 5`,
    [items.map((i) => i.mac)],
  );
  if (rows.length > 0) {
    const r = rows[0]!;
    throw new MusterError('NODE_EXISTS', `NodeID '${macNodeId(r.mac)}' already exists as node '${r.name}'; node not added`);
  }
  const given = items.flatMap((i) => (i.name === undefined ? [] : [i.name]));
  if (given.length === 0) return;
  const taken = await q.query<{ name: string; mac: string }>(`SELECT name, mac::text AS mac FROM nodes WHERE name = ANY($1::text[]) ORDER BY name LIMIT 5`, [
    given,
  ]);
  if (taken.rows.length > 0) {
    const r = taken.rows[0]!;
    throw new MusterError('NAME_TAKEN', `node name '${r.name}' is already used by ${macNodeId(r.mac)}; node not added`);
  }
}

/**
 * The lowest free numbers of the template. The database returns only the free intervals (the
 * first few gaps), not every name, so naming stays cheap with 100,000 nodes registered.
 */
async function allocateNames(q: Queryable, items: { name?: string | undefined }[], d: NodeDefaults): Promise<string[]> {
  const wanted = items.filter((i) => i.name === undefined).length;
  if (wanted === 0) return items.map((i) => i.name!);
  const t = parseTemplate(d.nameTemplate);
  const last = d.totalNodes !== undefined ? d.firstNode + d.totalNodes - 1 : d.firstNode + 10 ** t.width - 1;
  // Names given explicitly in this batch are taken too.
  const given = new Set(items.flatMap((i) => (i.name === undefined ? [] : [nameNumber(t, i.name) ?? -1])));
  const { rows } = await q.query<{ lo: number; hi: number }>(FREE_INTERVALS, [
    escapeLike(t.prefix) + '%' + escapeLike(t.suffix),
    t.prefix.length + 1,
    t.prefix.length + t.suffix.length,
    t.width,
    d.firstNode,
    last,
    wanted + given.size,
  ]);
  const free: number[] = [];
  for (const { lo, hi } of rows) {
    for (let n = Number(lo); n <= Number(hi) && free.length < wanted; n++) if (!given.has(n)) free.push(n);
  }
  if (free.length < wanted) throw namesExhausted(d.firstNode, last, wanted);
  let k = 0;
  return mapChunked(items, (i) => i.name ?? formatName(t, free[k++]!));
}

/**
 * Free intervals [lo, hi] of template numbers in [$5, $6], lowest first. A name counts as number
 * k only when it is exactly the template's spelling of k (n01 is not n0001 under n####).
 * $1 LIKE pattern, $2 first digit position, $3 prefix+suffix length, $4 width, $7 max intervals.
 */
const FREE_INTERVALS = `
  WITH used AS (
    SELECT DISTINCT substr(name, $2::int, length(name) - $3::int)::bigint AS k
      FROM nodes
     WHERE name LIKE $1
       AND substr(name, $2::int, length(name) - $3::int) ~ '^[0-9]{1,15}$'
       AND (length(name) - $3::int = $4::int OR (length(name) - $3::int > $4::int AND substr(name, $2::int, 1) <> '0'))
  ), r AS (SELECT k FROM used WHERE k BETWEEN $5::bigint AND $6::bigint)
  SELECT lo, hi FROM (
    SELECT $5::bigint AS lo, coalesce((SELECT min(k) FROM r), $6::bigint + 1) - 1 AS hi
    UNION ALL
    SELECT k + 1, coalesce(lead(k) OVER (ORDER BY k), $6::bigint + 1) - 1 FROM r
  ) gaps
  WHERE lo <= hi ORDER BY lo LIMIT $7::int`;

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}
