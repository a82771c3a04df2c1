import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db, Queryable } from '../db/index.js';
import { EVENT_LEVELS, EVENTS_CHANNEL, EventSchema, type MusterEvent } from '../events/index.js';
import { globToRegExp, isGlob } from '../hostlist/index.js';
import type { Logger } from '../log.js';
import type { PluginOpts } from './deps.js';
import { repeated } from './zod.js';

/**
 * /api/v1/events: the live view that replaces Perceus's control port. A list with a cursor (and
 * an optional long poll, which `muster monitor` uses), an NDJSON stream, and aggregate
 * provisioning statistics computed in SQL. New events wake waiters through LISTEN on the events
 * channel; a short poll covers a lost notification or a backend without LISTEN.
 */

/** How often a waiting reader re-reads when no notification came. */
const POLL_MS = 1000;
/** A blank line this often keeps an idle stream (and proxies in front of it) alive. */
const HEARTBEAT_MS = 15_000;
const PROVISION_KINDS = ['nodescript.request', 'nodescript.done', 'nodescript.failed', 'module.failed', 'module.timeout'];

/** Comma-separated or repeated values, each at most 128 characters. */
const list = repeated.transform((v) => v.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== ''));
const Filter = z.object({
  kind: list.describe('kinds: `job` (job and job.*), `nodescript.done`, or globs like `*.failed`'),
  node: list.describe('node names or globs (`n00*`), matched against the name and the MAC'),
  state: z.string().regex(/^\w{1,64}$/, 'a state name (letters, digits, _)').optional().describe('nodescript state (data.state), e.g. init'),
  level: z.enum(EVENT_LEVELS).default('debug').describe('lowest level shown'),
  since: z.coerce.number().min(0).max(366 * 86400).optional().describe('start with the events of the last N seconds'),
});
/** A cursor on the wire: `<xid>.<id>` (see Position). */
const TOKEN = /^(\d{1,20})\.(\d{1,19})$/;
const After = z.union([z.literal('now'), z.string().regex(TOKEN), z.coerce.number().int().min(0)]);
const ListQuery = Filter.extend({
  after: After.default(0).describe('a cursor (`<xid>.<id>`) from an earlier read, an event id (events after it), or `now`: only events that are not final yet'),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  wait: z.coerce.number().min(0).max(60).default(0).describe('seconds to wait for a first match (long poll)'),
});
const StreamQuery = Filter.extend({ after: After.default('now') });
const StatsQuery = Filter.omit({ kind: true, level: true }).extend({
  window: z.coerce.number().min(1).max(86_400).default(10).describe('seconds over which the rate is measured'),
});
type FilterIn = z.infer<typeof Filter>;

const EventOut = EventSchema;
const ListOut = z.object({ events: z.array(EventOut), cursor: z.string().describe('pass as `after` to continue') });
const Latency = z.object({ min: z.number(), avg: z.number(), p99: z.number(), max: z.number() });
const StatsOut = z.object({
  requests: z.number().int(),
  nodes: z.number().int().describe('distinct nodes that asked'),
  done: z.number().int(),
  failed: z.number().int(),
  moduleFailures: z.number().int(),
  timeouts: z.number().int(),
  latencyMs: Latency.nullable().describe('render latency of nodescript.done events'),
  window: z.number(),
  rate: z.number().describe('nodescript.done per second over the window'),
  lastId: z.number().int(),
});

/** A filter as SQL parameters: anchored POSIX regexes from globs, the accepted levels. */
interface Compiled {
  kinds: string[] | null;
  nodes: string[] | null;
  state: string | null;
  levels: string[];
}

function compile(f: FilterIn): Compiled {
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
function where(c: Compiled, first: number): { sql: string; params: unknown[] } {
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
interface Position {
  xid: bigint;
  id: number;
}
const token = (p: Position): string => `${p.xid}.${p.id}`;
const later = (a: Position, b: Position): Position => (a.xid > b.xid || (a.xid === b.xid && a.id >= b.id) ? a : b);

/** The horizon of a fresh snapshot: the place after every event that is final now. */
async function horizon(db: Queryable): Promise<Position> {
  const { rows } = await db.query<{ xmin: string }>(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`);
  return { xid: BigInt(rows[0]!.xmin), id: 0 };
}

/** Where a reader starts: after `after` (`now`: everything final now), or at the first event of the last `since` seconds. */
async function startCursor(db: Queryable, after: string | number, since: number | undefined): Promise<Position> {
  const fromAfter = async (): Promise<Position> => {
    if (after === 'now') return horizon(db);
    if (typeof after === 'string') {
      const m = TOKEN.exec(after)!;
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
async function readBatch(db: Queryable, c: Compiled, cursor: Position, limit: number): Promise<{ events: MusterEvent[]; cursor: Position }> {
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

/** Rings every waiter when an event is inserted: one LISTEN per server, shared by all readers. */
class EventBell {
  private readonly waiters = new Set<() => void>();
  private unlisten: (() => Promise<void>) | null = null;
  stopped = false;

  async start(db: Db, log: Logger): Promise<void> {
    try {
      this.unlisten = await db.listen(EVENTS_CHANNEL, () => this.ring());
    } catch (err) {
      log.warn({ err }, `cannot LISTEN on ${EVENTS_CHANNEL}; event readers poll every ${POLL_MS} ms`);
    }
  }

  /**
   * Settles at the next event or after `ms` (or when cancelled). Take it before reading so no
   * insert slips between the read and the wait.
   */
  next(ms: number): { rung: Promise<void>; cancel: () => void } {
    let cancel!: () => void;
    const rung = new Promise<void>((resolve) => {
      cancel = () => {
        clearTimeout(timer);
        this.waiters.delete(cancel);
        resolve();
      };
      const timer = setTimeout(cancel, ms);
      this.waiters.add(cancel);
    });
    return { rung, cancel };
  }

  ring(): void {
    for (const fire of [...this.waiters]) fire();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.ring();
    await this.unlisten?.();
  }
}

/** Reads until something matches, `waitMs` passes, or `gone()` says the reader left. */
async function awaitBatch(db: Queryable, bell: EventBell, c: Compiled, cursor: Position, limit: number, waitMs: number, gone: () => boolean): Promise<{ events: MusterEvent[]; cursor: Position }> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const wake = bell.next(Math.max(0, Math.min(POLL_MS, deadline - Date.now())));
    const batch = await readBatch(db, c, cursor, limit);
    if (batch.events.length > 0 || Date.now() >= deadline || gone() || bell.stopped) {
      wake.cancel();
      return batch;
    }
    cursor = batch.cursor;
    await wake.rung;
  }
}

export async function eventsRoutes(app: FastifyInstance, { deps }: PluginOpts): Promise<void> {
  const { db, log } = deps;
  const bell = new EventBell();
  await bell.start(db, log.child({ mod: 'events' }));
  app.addHook('onClose', () => bell.stop());

  app.get(
    '/events',
    { schema: { summary: 'Events in id order after a cursor, filtered; with wait=S a long poll', querystring: ListQuery, response: { 200: ListOut } } },
    async (req, reply) => {
      const q = req.query as z.infer<typeof ListQuery>;
      let left = false;
      reply.raw.once('close', () => (left = true));
      const cursor = await startCursor(db, q.after, q.since);
      const batch = await awaitBatch(db, bell, compile(q), cursor, q.limit, q.wait * 1000, () => left);
      return { events: batch.events, cursor: token(batch.cursor) };
    },
  );

  app.get(
    '/events/stream',
    { schema: { summary: 'Events as they happen, one JSON object per line (blank lines are heartbeats)', querystring: StreamQuery } },
    async (req, reply) => {
      const q = req.query as z.infer<typeof StreamQuery>;
      const c = compile(q);
      const out = new PassThrough();
      let gone = false;
      out.once('close', () => (gone = true));
      out.write('\n');
      const pump = async (cursor: Position): Promise<void> => {
        while (!gone && !bell.stopped) {
          const batch = await awaitBatch(db, bell, c, cursor, 1000, HEARTBEAT_MS, () => gone);
          cursor = batch.cursor;
          out.write(batch.events.length ? batch.events.map((e) => JSON.stringify(e)).join('\n') + '\n' : '\n');
        }
      };
      // The stream ends when the client leaves or the server stops; a failing read ends it too.
      void startCursor(db, q.after, q.since)
        .then(pump)
        .catch((err: unknown) => log.warn({ err }, 'event stream stopped'))
        .finally(() => out.end());
      return reply.type('application/x-ndjson').send(out);
    },
  );

  app.get(
    '/events/stats',
    { schema: { summary: 'Provisioning totals, unique nodes, render latency and the current rate', querystring: StatsQuery, response: { 200: StatsOut } } },
    async (req) => {
      const q = req.query as z.infer<typeof StatsQuery>;
      const w = where(compile({ ...q, kind: [], level: 'debug' }), 4);
      const { rows } = await db.query<Record<string, number | null>>(
        `SELECT count(*) FILTER (WHERE kind = 'nodescript.request')::int AS requests,
                count(DISTINCT mac) FILTER (WHERE kind = 'nodescript.request')::int AS nodes,
                count(*) FILTER (WHERE kind = 'nodescript.done')::int AS done,
                count(*) FILTER (WHERE kind = 'nodescript.failed')::int AS failed,
                count(*) FILTER (WHERE kind = 'module.failed')::int AS "moduleFailures",
                count(*) FILTER (WHERE kind = 'module.timeout')::int AS timeouts,
                min(ms) AS min, avg(ms) AS avg, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms) AS max,
                count(*) FILTER (WHERE kind = 'nodescript.done' AND at > now() - make_interval(secs => $2))::int AS recent,
                (SELECT coalesce(max(id), 0) FROM events) AS "lastId"
           FROM (SELECT id, at, kind, mac, CASE WHEN kind = 'nodescript.done' THEN (data->>'ms')::float8 END AS ms
                   FROM events WHERE ($1::float8 IS NULL OR at > now() - make_interval(secs => $1::float8))
                    AND kind = ANY($3::text[]) AND ${w.sql}) e`,
        [q.since ?? null, q.window, PROVISION_KINDS, ...w.params],
      );
      const r = rows[0]!;
      const n = (v: number | null | undefined) => Number(v ?? 0);
      return {
        requests: n(r.requests), nodes: n(r.nodes), done: n(r.done), failed: n(r.failed), moduleFailures: n(r.moduleFailures), timeouts: n(r.timeouts),
        latencyMs: r.min === null || r.min === undefined ? null : { min: n(r.min), avg: n(r.avg), p99: n(r.p99), max: n(r.max) },
        window: q.window,
        rate: n(r.recent) / q.window,
        lastId: n(r.lastId),
      };
    },
  );
}
