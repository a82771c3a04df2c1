import type { Queryable } from '../db/index.js';
import { compile, where, type EventQuery } from './read.js';

const PROVISION_KINDS = ['nodescript.request', 'nodescript.done', 'nodescript.failed', 'module.failed', 'module.timeout'];

export interface ProvisionStats {
  requests: number;
  nodes: number;
  done: number;
  failed: number;
  moduleFailures: number;
  timeouts: number;
  latencyMs: { min: number; avg: number; p99: number; max: number } | null;
  window: number;
  rate: number;
  lastId: number;
}

/**
 * Provisioning totals over the events of the last `since` seconds (all without), computed in SQL:
 * requests, distinct nodes, outcomes, render latency of nodescript.done, and the rate of
 * nodescript.done over the last `window` seconds.
 */
export async function provisionStats(
  db: Queryable,
  q: Pick<EventQuery, 'node' | 'state'> & { since?: number | undefined; window: number },
): Promise<ProvisionStats> {
  const w = where(compile({ node: q.node, state: q.state, kind: [], level: 'debug' }), 4);
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
    requests: n(r.requests),
    nodes: n(r.nodes),
    done: n(r.done),
    failed: n(r.failed),
    moduleFailures: n(r.moduleFailures),
    timeouts: n(r.timeouts),
    latencyMs: r.min === null || r.min === undefined ? null : { min: n(r.min), avg: n(r.avg), p99: n(r.p99), max: n(r.max) },
    window: q.window,
    rate: n(r.recent) / q.window,
    lastId: n(r.lastId),
  };
}
