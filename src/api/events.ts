import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db, Queryable } from '../db/index.js';
import {
  compile,
  CURSOR_TOKEN,
  EVENT_LEVELS,
  EVENTS_CHANNEL,
  EventSchema,
  provisionStats,
  readBatch,
  startCursor,
  token,
  type Compiled,
  type MusterEvent,
  type Position,
} from '../events/index.js';
import type { Logger } from '../log.js';
import type { PluginOpts } from './deps.js';
import { repeated } from './zod.js';

/**
 * /api/v1/events: the live view that replaces Perceus's control port. A list with a cursor (and
 * an optional long poll, which `muster monitor` uses), an NDJSON stream, and aggregate
 * provisioning statistics (the SQL is in src/events/read.ts and stats.ts). New events wake waiters through LISTEN on the events
 * channel; a short poll covers a lost notification or a backend without LISTEN.
 */

/** How often a waiting reader re-reads when no notification came. */
const POLL_MS = 1000;
/** A blank line this often keeps an idle stream (and proxies in front of it) alive. */
const HEARTBEAT_MS = 15_000;

/** Comma-separated or repeated values, each at most 128 characters. */
const list = repeated.transform((v) =>
  v
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== ''),
);
const Filter = z.object({
  kind: list.describe('kinds: `job` (job and job.*), `nodescript.done`, or globs like `*.failed`'),
  node: list.describe('node names or globs (`n00*`), matched against the name and the MAC'),
  state: z
    .string()
    .regex(/^\w{1,64}$/, 'a state name (letters, digits, _)')
    .optional()
    .describe('nodescript state (data.state), e.g. init'),
  level: z.enum(EVENT_LEVELS).default('debug').describe('lowest level shown'),
  since: z.coerce
    .number()
    .min(0)
    .max(366 * 86400)
    .optional()
    .describe('start with the events of the last N seconds'),
});
const After = z.union([z.literal('now'), z.string().regex(CURSOR_TOKEN), z.coerce.number().int().min(0)]);
const ListQuery = Filter.extend({
  after: After.default(0).describe('a cursor (`<xid>.<id>`) from an earlier read, an event id (events after it), or `now`: only events that are not final yet'),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  wait: z.coerce.number().min(0).max(60).default(0).describe('seconds to wait for a first match (long poll)'),
});
const StreamQuery = Filter.extend({ after: After.default('now') });
const StatsQuery = Filter.omit({ kind: true, level: true }).extend({
  window: z.coerce.number().min(1).max(86_400).default(10).describe('seconds over which the rate is measured'),
});

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

/**
 * Reads until something matches, `waitMs` passes, or `gone()` says the reader left. `waiting()` is
 * called once, when the first read found nothing and the reader starts to wait.
 */
async function awaitBatch(
  db: Queryable,
  bell: EventBell,
  c: Compiled,
  cursor: Position,
  limit: number,
  waitMs: number,
  gone: () => boolean,
  waiting?: () => void,
): Promise<{ events: MusterEvent[]; cursor: Position }> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const wake = bell.next(Math.max(0, Math.min(POLL_MS, deadline - Date.now())));
    const batch = await readBatch(db, c, cursor, limit);
    if (batch.events.length > 0 || Date.now() >= deadline || gone() || bell.stopped) {
      wake.cancel();
      return batch;
    }
    cursor = batch.cursor;
    waiting?.();
    waiting = undefined;
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
      const waiting = () => req.log.debug({ after: token(cursor), wait: q.wait }, 'long poll waiting for events');
      const batch = await awaitBatch(db, bell, compile(q), cursor, q.limit, q.wait * 1000, () => left, waiting);
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
      return provisionStats(db, q);
    },
  );
}
