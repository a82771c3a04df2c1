import type { Command } from 'commander';
import { MusterError } from '../errors.js';
import { verb } from './select.js';

/** An event as the admin API sends it. */
export interface ApiEvent {
  id: number;
  at: string;
  kind: string;
  level: string;
  node: string | null;
  mac: string | null;
  message: string;
  data: unknown;
}

/** Seconds the daemon holds a monitor's poll open when nothing happens. */
const LONG_POLL_S = 25;
const UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

/** `90`, `90s`, `5m`, `2h`, `1d` → seconds. */
export function seconds(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(text.trim());
  if (!m) throw new MusterError('REQUEST_INVALID', `${option} '${text}' is not a duration: use seconds or a number with s, m, h or d (e.g. 90, 5m)`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** `--count N`: a whole number ≥ 1, or `fallback` when not given. */
export function countOption(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new MusterError('REQUEST_INVALID', `--count '${text}' is not a whole number (1 or more)`);
  return n;
}

export interface FilterOptions {
  node: string[];
  state?: string;
  since?: string;
}

const collect = (v: string, all: string[]) => [...all, v];

/** The filters `monitor` and `stats` share. */
export function withFilters(cmd: Command): Command {
  return cmd
    .option('--node <glob>', 'node name or glob (n00*), or MAC glob; repeatable', collect, [])
    .option('--state <state>', 'only requests for this nodescript state (init, ready, …)')
    .option('--since <duration>', 'start with the events of the last DURATION (90, 5m, 1h, 1d)');
}

export function filterQuery(o: FilterOptions): { node: string[]; state: string | undefined; since: string | undefined } {
  return { node: o.node, state: o.state, since: o.since === undefined ? undefined : String(seconds(o.since, '--since')) };
}

/** Local wall-clock time with milliseconds: 2024-05-01 13:02:03.045. */
function localTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** One line per event, whatever its message holds. */
export function eventLine(e: ApiEvent): string {
  const message = e.message.replace(/[\x00-\x1f\x7f]+/g, ' ');
  return `${localTime(e.at)} ${e.level.padEnd(5)} ${e.kind.padEnd(18)} ${(e.node ?? e.mac ?? '-').padEnd(10)} ${message}`;
}

/**
 * `monitor`: events as they happen, one line each, until interrupted (or --count events). Each
 * request is a long poll the daemon answers as soon as a matching event is stored.
 */
export function command(product: string): Command {
  return withFilters(
    verb('monitor', 'Stream events as they happen: requests, provisions, module failures, jobs …', product, async (cli, _args, cmd) => {
      const o = cmd.opts<FilterOptions & { kind: string[]; level?: string; after?: string; count?: string }>();
      const count = countOption(o.count, Infinity);
      if (o.after !== undefined && !/^\d+(\.\d+)?$/.test(o.after))
        throw new MusterError('REQUEST_INVALID', `--after '${o.after}' is not an event id or a cursor`);
      // `monitor | head` closing stdout ends it quietly, as every verb (closed-pipe.ts).
      const client = await cli.client();
      const filters = { ...filterQuery(o), kind: o.kind, level: o.level };
      let after = o.after ?? (o.since === undefined ? 'now' : '0');
      let since = filters.since;
      for (let shown = 0; ; ) {
        const r = await client.get<{ events: ApiEvent[]; cursor: string }>('/events', { ...filters, since, after, wait: String(LONG_POLL_S) });
        for (const e of r.events) {
          cli.data(cli.g.json ? JSON.stringify(e) : eventLine(e));
          if (++shown >= count) return;
        }
        // --since picks the starting point only; from then on the cursor does.
        after = r.cursor;
        since = undefined;
      }
    })
      .option('--kind <kind>', 'event kind (job = job.*), or glob (*.failed); repeatable', collect, [])
      .option('--level <level>', 'lowest level shown: debug, info, warn, error')
      .option('--after <id>', 'start after this event id, or at a cursor an earlier read returned')
      .option('--count <n>', 'stop after N events')
      .addHelpText(
        'after',
        '\nKinds: nodescript.request/done/failed, module.failed/timeout, node.log, node.report, node.*, job.*, dhcp.*.\n--json prints one JSON object per line.\n',
      ),
  );
}
