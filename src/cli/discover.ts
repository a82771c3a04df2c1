import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { MusterError } from '../errors.js';
import { findRuntime, lastRuntime, RUNTIME_FILE, runtimeDir, type RuntimeInfo } from '../runtime.js';

/** Where a daemon listens when nothing says otherwise (the `api port` default). */
export const DEFAULT_API = 'http://127.0.0.1:8988';

export interface DiscoverOptions {
  api?: string | undefined;
  token?: string | undefined;
  statedir?: string | undefined;
}

/** The daemon the CLI talks to, how it was found, and its admin token. */
export interface Discovered {
  /** base URL of the admin API (without /api/v1) */
  api: string;
  /** how `api` was chosen, in words: "given by --api", "found through /x/daemon.json" … */
  via: string;
  /** the daemon's own daemon.json, when the CLI found one for `api` */
  daemon: RuntimeInfo | null;
  /** the CLI's statedir, resolved as the daemon resolves its own (--statedir, config, default) */
  statedir: string;
  token: string | undefined;
  /** where `token` came from ('--token', 'MUSTER_TOKEN', a file), or the file it could not read and why */
  tokenFrom: string;
  /** set when the CLI took a daemon other than its statedir's: the warning to show */
  fallback?: string;
  /** what to say when nothing answers at `api` */
  unreachable: string;
}

/**
 * The statedir a daemon started here would use: --statedir, else MUSTER_STATEDIR, else the
 * config file (MUSTER_CONFIG or /etc/muster/muster.conf), else the default — through the
 * daemon's own loadConfig. `chosen` is false only for the built-in default.
 */
async function resolveStatedir(given: string | undefined, env: NodeJS.ProcessEnv): Promise<{ statedir: string; chosen: boolean }> {
  const { config, sources } = await loadConfig({ env, overrides: given === undefined ? {} : { statedir: given } });
  return { statedir: config.statedir, chosen: sources.statedir !== 'default' };
}

/** `http://127.0.0.1:8988, statedir /var/lib/muster, pid 4242`. */
export function describeDaemon(d: Pick<Discovered, 'api' | 'daemon'>): string {
  return d.daemon ? `${d.api}, statedir ${d.daemon.statedir}, pid ${d.daemon.pid}` : `${d.api} (statedir and pid unknown: no daemon.json for it)`;
}

/**
 * Finds the daemon, in this order:
 * 1. --api / MUSTER_API, as given;
 * 2. the daemon of the CLI's statedir (its live statedir/daemon.json) — the one a CLI in this
 *    checkout or with this config means; if the statedir was chosen (flag, env, config) and has
 *    no daemon, that is an error, never another daemon;
 * 3. with the default statedir only: the last daemon this user started (runtime dir's
 *    daemon.json), with a warning naming it;
 * 4. the default address.
 * The token: --token, MUSTER_TOKEN, else admin.token in the daemon's statedir (the CLI's own
 * when the daemon's is unknown).
 */
export async function discover(o: DiscoverOptions, env: NodeJS.ProcessEnv = process.env): Promise<Discovered> {
  const { statedir, chosen } = await resolveStatedir(o.statedir, env);
  const own = await findRuntime(statedir);
  const explicit = o.api !== undefined ? { api: o.api, via: '--api' } : env.MUSTER_API ? { api: env.MUSTER_API, via: 'MUSTER_API' } : null;
  let found: Pick<Discovered, 'api' | 'via' | 'daemon' | 'unreachable'> & { fallback?: string };
  if (explicit) {
    const api = explicit.api.replace(/\/+$/, '');
    const daemon = own?.api === api ? own : null;
    found = {
      api,
      via: `given by ${explicit.via}`,
      daemon,
      unreachable: `the muster daemon is not running at ${api} (start it with: muster daemon, or pass --api URL)`,
    };
  } else if (own) {
    const via = `found through ${join(statedir, RUNTIME_FILE)}`;
    found = { api: own.api, via, daemon: own, unreachable: `the daemon of statedir ${statedir} (pid ${own.pid}) does not answer at ${own.api}` };
  } else if (chosen) {
    throw new MusterError(
      'DAEMON_UNREACHABLE',
      `no muster daemon runs for statedir ${statedir} (no live ${join(statedir, RUNTIME_FILE)}); start one with: muster daemon --statedir ${statedir}`,
    );
  } else {
    const file = join(runtimeDir(env), RUNTIME_FILE);
    const last = await lastRuntime(env);
    found = last
      ? {
          api: last.api,
          via: `the last daemon this user started, from ${file}`,
          daemon: last,
          fallback: `no daemon runs for statedir ${statedir}; using the last one this user started: ${describeDaemon({ api: last.api, daemon: last })} (from ${file}; pass --statedir to choose)`,
          unreachable: `the last daemon this user started (pid ${last.pid}, ${file}) does not answer at ${last.api}`,
        }
      : {
          api: DEFAULT_API,
          via: 'the default address',
          daemon: null,
          unreachable: `no muster daemon found: none runs for statedir ${statedir}, none is in ${file}, and none answers at ${DEFAULT_API} (start one with: muster daemon)`,
        };
  }
  const token = await findToken(o, env, join(found.daemon?.statedir ?? statedir, 'admin.token'));
  return { ...found, statedir, ...token };
}

async function findToken(o: DiscoverOptions, env: NodeJS.ProcessEnv, file: string): Promise<Pick<Discovered, 'token' | 'tokenFrom'>> {
  if (o.token !== undefined) return { token: o.token, tokenFrom: '--token' };
  if (env.MUSTER_TOKEN) return { token: env.MUSTER_TOKEN, tokenFrom: 'MUSTER_TOKEN' };
  try {
    return { token: (await readFile(file, 'utf8')).trim(), tokenFrom: file };
  } catch (err) {
    return { token: undefined, tokenFrom: `${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
}
