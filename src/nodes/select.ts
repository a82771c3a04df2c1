import type { Queryable } from '../db/index.js';
import { expandAll, globToRegExp, isGlob, naturalCompare } from '../hostlist/index.js';
import { eachChunked, mapChunked, sortChunked } from '../async/index.js';
import { parseMac } from './mac.js';
import { NODE_COLUMNS, toNode } from './row.js';
import type { Node } from './types.js';

/**
 * Most names one selection may spell out (all its patterns together): twice the largest bulk
 * add. Each name costs its share of one SQL array and of the `missing` list: 1,000,000 names
 * took 11 s and 340 MB of RSS that stayed (bench/admin-rss.ts).
 */
export const SELECT_NAME_LIMIT = 200_000;

export interface Selection {
  nodes: Node[];
  /** Exact names (or NodeIDs) asked for that do not exist, and globs that matched nothing. */
  missing: string[];
}

/**
 * Resolves node arguments as Perceus admins type them: exact names, ranges (`n00[00-63]`, every
 * bracket group expands), globs (`n00*`, `n0?1`, all other characters literal), both combined,
 * or NodeIDs with `byMac`. Result de-duplicated and naturally sorted (n2 before n10).
 */
export async function selectNodes(db: Queryable, patterns: string[], opts: { byMac?: boolean } = {}): Promise<Selection> {
  if (opts.byMac) return selectByMac(db, patterns);
  const exact = new Set<string>();
  const globs: string[] = [];
  // One cap for the whole request, counted before a name is built.
  await eachChunked(expandAll(patterns, { limit: SELECT_NAME_LIMIT }), (name) => (isGlob(name) ? globs.push(name) : exact.add(name)));
  const names = [...exact];
  const { rows } = await db.query(`SELECT ${NODE_COLUMNS} FROM nodes WHERE name = ANY($1::text[]) OR name LIKE ANY($2::text[])`, [
    names,
    globs.map(globToLike),
  ]);
  const nodes = await sortChunked(await mapChunked(rows, toNode), (a, b) => naturalCompare(a.name, b.name));
  const found = new Set<string>();
  await eachChunked(nodes, (n) => found.add(n.name));
  const absent: string[] = [];
  await eachChunked(names, (n) => found.has(n) || absent.push(n));
  const missing = await sortChunked(absent, naturalCompare);
  for (const g of globs) {
    const re = globToRegExp(g);
    if (!nodes.some((n) => re.test(n.name))) missing.push(g);
  }
  return { nodes, missing };
}

async function selectByMac(db: Queryable, ids: string[]): Promise<Selection> {
  const macs = [...new Set(await mapChunked(ids, parseMac))];
  const { rows } = await db.query(`SELECT ${NODE_COLUMNS} FROM nodes WHERE mac = ANY($1::macaddr[])`, [macs]);
  const nodes = await sortChunked(await mapChunked(rows, toNode), (a, b) => naturalCompare(a.name, b.name));
  const found = new Set<string>();
  await eachChunked(nodes, (n) => found.add(n.mac));
  const missing: string[] = [];
  await eachChunked(macs, (m) => found.has(m) || missing.push(m.toUpperCase()));
  return { nodes, missing };
}

/** Nodes whose group is one of `groups` (exact names, as Perceus's group verbs). */
export async function selectGroups(db: Queryable, groups: string[]): Promise<Selection> {
  const { rows } = await db.query(`SELECT ${NODE_COLUMNS} FROM nodes WHERE groupname = ANY($1::text[])`, [groups]);
  const nodes = await sortChunked(await mapChunked(rows, toNode), (a, b) => naturalCompare(a.group, b.group) || naturalCompare(a.name, b.name));
  const found = new Set(nodes.map((n) => n.group));
  return { nodes, missing: groups.filter((g) => !found.has(g)) };
}

/** SQL LIKE for a shell glob: `*` → `%`, `?` → `_`, everything else literal. */
function globToLike(glob: string): string {
  return glob.replace(/[\\%_*?]/g, (c) => (c === '*' ? '%' : c === '?' ? '_' : '\\' + c));
}
