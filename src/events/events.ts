import { z } from 'zod';
import type { Queryable } from '../db/index.js';

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

export async function addEvent(db: Queryable, e: NewEvent): Promise<void> {
  await db.query(
    `INSERT INTO events (kind, level, node, mac, message, data) VALUES ($1, $2, $3, $4::macaddr, $5, $6::jsonb)`,
    [e.kind, e.level ?? 'info', e.node ?? null, e.mac ?? null, e.message, e.data === undefined ? null : JSON.stringify(e.data)],
  );
}

/** Several events in one statement (bulk operations log one row per node). */
export async function addEvents(db: Queryable, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.query(
    `INSERT INTO events (kind, level, node, mac, message, data)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::macaddr[], $5::text[], $6::jsonb[])`,
    [
      events.map((e) => e.kind),
      events.map((e) => e.level ?? 'info'),
      events.map((e) => e.node ?? null),
      events.map((e) => e.mac ?? null),
      events.map((e) => e.message),
      events.map((e) => (e.data === undefined ? null : JSON.stringify(e.data))),
    ],
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
