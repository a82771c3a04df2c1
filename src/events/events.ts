import { z } from 'zod';
import { eachChunked } from '../async/index.js';
import type { Queryable } from '../db/index.js';
import { storable } from '../text.js';

export const EVENT_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type EventLevel = (typeof EVENT_LEVELS)[number];

export interface NewEvent {
  /** dotted kind, e.g. `node.added`, `provision.done`, `job.failed` */
  kind: string;
  level?: EventLevel;
  node?: string | null;
  mac?: string | null;
  message: string;
  data?: unknown;
}

export const EventSchema = z.object({
  id: z.number().int(),
  at: z.date(),
  kind: z.string(),
  level: z.enum(EVENT_LEVELS),
  node: z.string().nullable(),
  mac: z.string().nullable(),
  message: z.string(),
  data: z.unknown(),
});
export type MusterEvent = z.infer<typeof EventSchema>;

/** Channel NOTIFYed (no payload) by a trigger after every statement that adds events: a wake-up hint. */
export const EVENTS_CHANNEL = 'muster_events';

const KIND_MAX = 200;
const NODE_MAX = 255;
const MESSAGE_MAX = 8192;
const DATA_KEY_MAX = 200;

/**
 * Event data as JSON with every key and string passed through storable(): callers put untrusted
 * text there (module names from nodescripts, another DHCP server's boot file), and one \u0000
 * would make jsonb refuse the row.
 */
function storableJson(data: unknown): string | null {
  if (data === undefined) return null;
  return JSON.stringify(data, (_key, value: unknown) => {
    if (typeof value === 'string') return storable(value);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k, DATA_KEY_MAX), v]));
    }
    return value;
  });
}

/** One event's column values, made storable (the writer is the one place events reach the database). */
function row(e: NewEvent): [string, EventLevel, string | null, string | null, string, string | null] {
  return [
    storable(e.kind, KIND_MAX),
    e.level ?? 'info',
    e.node == null ? null : storable(e.node, NODE_MAX),
    e.mac ?? null,
    storable(e.message, MESSAGE_MAX),
    storableJson(e.data),
  ];
}

export async function addEvent(db: Queryable, e: NewEvent): Promise<void> {
  await db.query(`INSERT INTO events (kind, level, node, mac, message, data) VALUES ($1, $2, $3, $4::macaddr, $5, $6::jsonb)`, row(e));
}

/** Several events in one statement (bulk operations log one row per node). */
export async function addEvents(db: Queryable, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  // One array per column, built in event-loop turns (a bulk add logs 100,000 events).
  const cols: unknown[][] = Array.from({ length: 6 }, () => new Array<unknown>(events.length));
  await eachChunked(events, (e, i) => {
    row(e).forEach((v, c) => {
      cols[c]![i] = v;
    });
  });
  await db.query(
    `INSERT INTO events (kind, level, node, mac, message, data)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::macaddr[], $5::text[], $6::jsonb[])`,
    cols,
  );
}

export interface EventFilter {
  afterId?: number;
  limit?: number;
  kindPrefix?: string;
  node?: string;
  minLevel?: EventLevel;
}

export async function listEvents(db: Queryable, f: EventFilter = {}): Promise<MusterEvent[]> {
  const minLevel = EVENT_LEVELS.indexOf(f.minLevel ?? 'debug');
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT id, at, kind, level, node, mac::text AS mac, message, data FROM events
      WHERE id > $1
        AND ($2::text IS NULL OR kind LIKE $2 || '%')
        AND ($3::text IS NULL OR node = $3)
        AND array_position($4::text[], level) > $5
      ORDER BY id LIMIT $6`,
    [f.afterId ?? 0, f.kindPrefix ?? null, f.node ?? null, [...EVENT_LEVELS], minLevel, Math.min(f.limit ?? 1000, 10000)],
  );
  return rows.map((r) => EventSchema.parse(r));
}

/** Retention bound: drop events older than `days`. Returns how many were removed. */
export async function pruneEvents(db: Queryable, days: number): Promise<number> {
  const r = await db.query(`DELETE FROM events WHERE at < now() - make_interval(days => $1::int)`, [days]);
  return r.rowCount;
}
