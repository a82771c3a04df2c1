import type { Command } from 'commander';
import { MusterError } from '../errors.js';
import { countOption, filterQuery, seconds, withFilters, type FilterOptions } from './monitor.js';
import { verb } from './select.js';

/** What GET /events/stats returns: aggregated by the database, never event by event. */
export interface ApiStats {
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

const DEFAULT_WINDOW_S = 10;

function ms(v: number | undefined): string {
  return (v === undefined ? '-' : v.toFixed(1)).padStart(8);
}

/** Perceus's control-port table (Total Uniq | MAX MIN AVG | rate), with p99 and failures. */
export function statsHeader(window: number): string {
  return `${'Requests'.padStart(8)} ${'Nodes'.padStart(7)} ${'Done'.padStart(8)} ${'Failed'.padStart(7)} ${'ModFail'.padStart(7)} ${'Timeout'.padStart(7)} | ${'Min ms'.padStart(8)} ${'Avg ms'.padStart(8)} ${'P99 ms'.padStart(8)} ${'Max ms'.padStart(8)} | Done/s (${window}s)`;
}

export function statsLine(s: ApiStats): string {
  const l = s.latencyMs;
  const counts = [
    [s.requests, 8],
    [s.nodes, 7],
    [s.done, 8],
    [s.failed, 7],
    [s.moduleFailures, 7],
    [s.timeouts, 7],
  ] as const;
  return `${counts.map(([v, w]) => String(v).padStart(w)).join(' ')} | ${ms(l?.min)} ${ms(l?.avg)} ${ms(l?.p99)} ${ms(l?.max)} | ${s.rate.toFixed(2).padStart(9)}`;
}

/**
 * `stats`: provisioning totals, unique nodes, render latency (min/avg/p99/max of nodescript.done)
 * and the rate over the last interval. Once, or every --interval seconds (one row each).
 */
export function command(product: string): Command {
  return withFilters(
    verb('stats', 'Provisioning totals, unique nodes, render latency and rate', product, async (cli, _args, cmd) => {
      const o = cmd.opts<FilterOptions & { interval?: string; count?: string }>();
      const interval = o.interval === undefined ? undefined : seconds(o.interval, '--interval');
      if (interval !== undefined && interval < 1) throw new MusterError('REQUEST_INVALID', `--interval '${o.interval}' must be at least 1 second`);
      const count = countOption(o.count, interval === undefined ? 1 : Infinity);
      const window = interval ?? DEFAULT_WINDOW_S;
      const client = await cli.client();
      for (let row = 0; row < count; row++) {
        if (row > 0) await new Promise((r) => setTimeout(r, window * 1000));
        const s = await client.get<ApiStats>('/events/stats', { ...filterQuery(o), window: String(window) });
        if (cli.g.json) cli.data(JSON.stringify(s));
        else {
          if (row === 0) cli.data(statsHeader(window));
          cli.data(statsLine(s));
        }
      }
    })
      .option('--interval <seconds>', 'print a row every SECONDS; the rate is over that interval (default: once, rate over 10 s)')
      .option('--count <n>', 'stop after N rows'),
  );
}
