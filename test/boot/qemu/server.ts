/**
 * The real muster daemon (bin/muster daemon) inside a namespace of a test LAN, in DHCP full mode
 * on the standard ports firmware uses (DHCP 67, TFTP 69), with a PostgreSQL server of its own
 * (trust auth): the daemon reaches it through its Unix socket (a path, so it crosses network
 * namespaces, where 127.0.0.1 does not), which the shared server's pg_hba may not allow (Debian's
 * is peer auth there). The test reads the events table from outside to see what was served.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Lan } from '../../helpers/netns.js';
import { MUSTER_BIN } from '../../helpers/daemon.js';
import { startPrivatePostgres } from '../../helpers/private-pg.js';

export const HTTP_PORT = 8987;

export interface BootServer {
  statedir: string;
  /** The daemon's log (pino JSON lines, debug level) so far. */
  log(): string;
  /** Runs `muster ARGS` against this daemon (in its namespace); resolves to stdout. */
  cli(args: string[]): Promise<string>;
  /** Events of a kind (oldest first), for a MAC if given. */
  events(kind: string, mac?: string): Promise<Array<{ at: Date; node: string | null; message: string; data: unknown }>>;
  /** A node's registry row fields the boot tests look at, or null when it is not registered. */
  node(mac: string): Promise<{ name: string; status: string | null; bootenv: string; vnfs: string } | null>;
  /** When muster served `/boot/<mac>` (the `boot.script` event), or null if it has not yet. */
  bootScriptServedAt(mac: string): Promise<Date | null>;
  stop(): Promise<void>;
}

export interface BootServerOptions {
  /** More MUSTER_* settings for the daemon. */
  env?: Record<string, string>;
  /** Fills the statedir before the daemon starts (boot files, a VNFS). */
  prepare?: (statedir: string) => Promise<void>;
}

/**
 * Starts the daemon in `host`'s namespace serving `subnet`.0/24 (the host must have the static
 * address `<subnet>.1`) and resolves once it logged that it started.
 */
export async function startBootServer(lan: Lan, host: string, subnet: string, opts: BootServerOptions = {}): Promise<BootServer> {
  const serverAddress = lan.hosts[host]?.ip;
  if (!serverAddress) throw new Error(`host '${host}' needs a static address to serve DHCP`);
  const database = await startPrivatePostgres();
  const statedir = await mkdtemp(join(tmpdir(), 'muster-qemu-'));
  const config = join(statedir, 'muster.conf');
  await writeFile(config, '# empty: every setting comes from the environment below\n');
  const env = {
    MUSTER_CONFIG: config,
    MUSTER_RUNTIME_DIR: join(statedir, 'run'),
    MUSTER_LOG_LEVEL: 'debug',
    DATABASE_URL: `postgres://postgres@/postgres?host=${encodeURIComponent(database.socketDir)}&port=${database.port}`,
    MUSTER_DHCP_MODE: 'full',
    MUSTER_DHCP_SUBNET: `${subnet}.0/24`,
    MUSTER_DHCP_RANGE: `${subnet}.100-${subnet}.199`,
    MUSTER_DHCP_SERVER_ADDRESS: serverAddress,
    MUSTER_DHCP_LEASE_TIME: '600',
    ...opts.env,
  };
  await opts.prepare?.(statedir);
  const ports = ['--dhcp-port', '67', '--tftp-port', '69', '--http-port', String(HTTP_PORT), '--api-port', '8988', '--provisiond-port', '987'];
  // `env` prefixes the variables: `ip netns exec` passes its own environment on unchanged.
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const child = lan.spawn(host, ['env', ...envArgs, process.execPath, MUSTER_BIN, 'daemon', '--statedir', statedir, ...ports]);
  let log = '';
  const started = new Promise<void>((resolve, reject) => {
    child.all!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('"muster daemon started"')) resolve();
    });
    void child.then((r) => reject(new Error(`muster daemon exited (${r.exitCode ?? r.signal}) during start:\n${log.slice(-4000)}`)));
    setTimeout(() => reject(new Error(`muster daemon did not start within 60 s:\n${log.slice(-4000)}`)), 60_000).unref();
  });
  const reader = new pg.Client({ connectionString: database.url });
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await child;
      clearTimeout(t);
    }
    await reader.end().catch(() => undefined);
    await database.stop();
    await rm(statedir, { recursive: true, force: true });
  };
  try {
    await started;
    await reader.connect();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    statedir,
    log: () => log,
    cli: (args) => lan.run(host, ['env', ...envArgs, process.execPath, MUSTER_BIN, '--statedir', statedir, ...args], { timeoutMs: 60_000 }),
    async events(kind, mac) {
      const { rows } = await reader.query<{ at: Date; node: string | null; message: string; data: unknown }>(
        `SELECT at, node, message, data FROM events WHERE kind = $1 AND ($2::macaddr IS NULL OR mac = $2::macaddr) ORDER BY id`,
        [kind, mac ?? null],
      );
      return rows;
    },
    async node(mac) {
      const { rows } = await reader.query<{ name: string; status: string | null; bootenv: string; vnfs: string }>(
        `SELECT name, status, bootenv, vnfs FROM nodes WHERE mac = $1::macaddr`,
        [mac],
      );
      return rows[0] ?? null;
    },
    async bootScriptServedAt(mac) {
      const { rows } = await reader.query<{ at: Date }>(`SELECT at FROM events WHERE kind = 'boot.script' AND mac = $1::macaddr ORDER BY id LIMIT 1`, [mac]);
      return rows[0]?.at ?? null;
    },
    stop,
  };
}
