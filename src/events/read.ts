import type { Queryable } from '../db/index.js';
import { globToRegExp, isGlob } from '../hostlist/index.js';
import { EVENT_LEVELS, EventSchema, type EventLevel, type MusterEvent } from './events.js';

/**
 * Reading the event log in order with a cursor, for the live view (/api/v1/events, `muster
 * monitor`): a filter compiled to SQL parameters, where a reader starts, and one batch.
 */

/** What a reader asks for: kinds and nodes as names or globs, a nodescript state, the lowest level. */
export interface EventQuery {
  kind: string[];
  node: string[];
  state?: string | undefined;
  level: EventLevel;
}

/** A cursor on the wire: `<xid>.<id>` (see Position). */
export const CURSOR_TOKEN = /^(\d{1,20})\.(\d{1,19})$/;

/** A filter as SQL parameters: anchored POSIX regexes from globs, the accepted levels. */
export interface Compiled {
  kinds: string[] | null;
  nodes: string[] | null;
  state: string | null;
  levels: string[];
}

export function compile(f: EventQuery): Compiled {
  // `job` means job and everything under it; a glob means exactly what it matches.
  const kind = (k: string) => (isGlob(k) ? globToRegExp(k).source : globToRegExp(k).source.replace(/\$$/, '(\\..*)?$'));
  return {
    kinds: f.kind.length ? f.kind.map(kind) : null,
    nodes: f.node.length ? f.node.map((n) => globToRegExp(n).source) : null,
    state: f.state ?? null,
    levels: EVENT_LEVELS.slice(EVENT_LEVELS.indexOf(f.level)),
  };
}

/** The WHERE terms of a compiled filter, its parameters numbered from `$first`. */
export function where(c: Compiled, first: number): { sql: string; params: unknown[] } {
  const [k, n, s, l] = [first, first + 1, first + 2, first + 3].map((i) => `$${i}`);
  return {
    sql: `(${k}::text[] IS NULL OR kind ~ ANY(${k}::text[]))
      AND (${n}::text[] IS NULL OR node ~ ANY(${n}::text[]) OR mac::text ~ ANY(${n}::text[]))
      AND (${s}::text IS NULL OR data->>'state' = ${s}::text)
      AND level = ANY(${l}::text[])`,
    params: [c.kinds, c.nodes, c.state, c.levels],
  };
}

/**
 * A reader's place in the event log: every event with (xid, id) ≤ (xid, id) has been passed.
 *
 * Ids are taken when a row is inserted, not when its transaction commits: with several writers
 * (connections, daemons) a later id can commit first, so a cursor at max(id) would pass an event
 * that commits after it. Instead each event stores the id of its inserting transaction (`xid`,
 * a column default: no extra statement per write), and readers go in (xid, id) order, only as far
 * as the horizon of their snapshot, pg_snapshot_xmin: every transaction older than it has ended
 * and no new one can be older, so the events below it are final, and none can appear behind a
 * cursor that stays below it. A long-open transaction holds readers back until it ends; it cannot
 * make them skip. (PGlite has one connection: the horizon is always past every commit.)
 * On the wire a cursor is `<xid>.<id>`; a plain event id N means "after event N".
 */
export interface Position {
  xid: bigint;
  id: number;
}
export const token = (p: Position): string => `${p.xid}.${p.id}`;
const later = (a: Position, b: Position): Position => (a.xid > b.xid || (a.xid === b.xid && a.id >= b.id) ? a : b);

/** The horizon of a fresh snapshot: the place after every event that is final now. */
async function horizon(db: Queryable): Promise<Position> {
  const { rows } = await db.query<{ xmin: string }>(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`);
  return { xid: BigInt(rows[0]!.xmin), id: 0 };
}

/** Where a reader starts: after `after` (`now`: everything final now), or at the first event of the last `since` seconds. */
export async function startCursor(db: Queryable, after: string | number, since: number | undefined): Promise<Position> {
  const fromAfter = async (): Promise<Position> => {
    if (after === 'now') return horizon(db);
    if (typeof after === 'string') {
      const m = CURSOR_TOKEN.exec(after)!;
      return { xid: BigInt(m[1]!), id: Number(m[2]) };
    }
    // After event N: at its transaction (or the one of the event before it, if N is gone).
    const { rows } = await db.query<{ xid: string }>(`SELECT xid::text AS xid FROM events WHERE id <= $1 ORDER BY id DESC LIMIT 1`, [after]);
    return { xid: BigInt(rows[0]?.xid ?? 0), id: after };
  };
  const start = await fromAfter();
  if (since === undefined) return start;
  const { rows } = await db.query<{ xid: string | null }>(`SELECT min(xid)::text AS xid FROM events WHERE at > now() - make_interval(secs => $1)`, [since]);
  const first = rows[0]?.xid;
  const fromSince = first === null || first === undefined ? await horizon(db) : { xid: BigInt(first), id: 0 };
  return after === 'now' ? fromSince : later(start, fromSince);
}

/**
 * Matching events after `cursor` in (xid, id) order, and the cursor to continue from: past every
 * final event looked at, matching or not, so a rare match never makes the next read rescan the
 * same rows.
 */
export async function readBatch(db: Queryable, c: Compiled, cursor: Position, limit: number): Promise<{ events: MusterEvent[]; cursor: Position }> {
  const w = where(c, 4);
  const { rows } = await db.query<Record<string, unknown> & { horizon: string; xid: string | null }>(
    `WITH h AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
     SELECT h.xmin::text AS horizon, e.* FROM h LEFT JOIN LATERAL (
       SELECT id, at, kind, level, node, mac::text AS mac, message, data, xid::text AS xid FROM events
        WHERE (xid, id) > ($1::xid8, $2::bigint) AND xid < h.xmin AND ${w.sql}
        ORDER BY xid, id LIMIT $3) e ON true`,
    [String(cursor.xid), cursor.id, limit, ...w.params],
  );
  const found = rows.filter((r) => r.xid !== null);
  const events = found.map((r) => EventSchema.parse(r));
  if (events.length === limit) return { events, cursor: { xid: BigInt(found.at(-1)!.xid!), id: events.at(-1)!.id } };
  return { events, cursor: later(cursor, { xid: BigInt(rows[0]!.horizon), id: 0 }) };
}
