/**
 * A PostgreSQL server of the test's own (initdb in a temp dir, trust auth unless given a password,
 * 127.0.0.1 on a free port), for tests that restart or stop the server or need password auth: the
 * shared one on 5432 serves other test files at the same time. Needs the Debian postgresql server
 * binaries; as root it runs the server as the `postgres` user.
 */
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface PrivatePostgres {
  /** postgres://postgres[:<password>]@127.0.0.1:<port>/postgres */
  url: string;
  /** The directory of its Unix socket (a path: a daemon in a network namespace reaches it there). */
  socketDir: string;
  port: number;
  /** `immediate`: the server dies as in a crash (no checkpoint, connections cut mid-query). */
  restart(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Stops the server for `ms`, then starts it again. */
  outage(ms: number): Promise<void>;
  stop(): Promise<void>;
}

function pgBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  const bin = version && join(root, version, 'bin');
  return bin && existsSync(join(bin, 'pg_ctl')) ? bin : null;
}

/** Why a private server cannot be had here, or null. */
export function privatePostgresUnavailable(): string | null {
  return pgBin() ? null : 'needs the PostgreSQL server binaries (Debian package postgresql)';
}

/** A 127.0.0.1 TCP port nothing listens on (bound, then closed). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** With `password`, the postgres role has it and every connection must give it (scram-sha-256). */
export async function startPrivatePostgres(o: { password?: string } = {}): Promise<PrivatePostgres> {
  const bin = pgBin();
  if (!bin) throw new Error(privatePostgresUnavailable()!);
  const dir = await mkdtemp(join(tmpdir(), 'muster-pg-'));
  const data = join(dir, 'data');
  const root = process.getuid?.() === 0;
  if (root) {
    await chmod(dir, 0o777);
    await execa('chown', ['postgres:postgres', dir]);
  }
  const as = (cmd: string, args: string[]) => (root ? execa('runuser', ['-u', 'postgres', '--', cmd, ...args]) : execa(cmd, args));
  if (o.password !== undefined) await writeFile(join(dir, 'pwfile'), `${o.password}\n`, { mode: 0o644 });
  const auth = o.password === undefined ? ['--auth=trust'] : ['--auth=scram-sha-256', `--pwfile=${join(dir, 'pwfile')}`];
  await as(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', ...auth, '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off`;
  const ctl = (action: string, mode = 'fast') =>
    as(join(bin, 'pg_ctl'), ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '60', '-m', mode, action]);
  await ctl('start');
  return {
    url: `postgres://postgres${o.password === undefined ? '' : `:${encodeURIComponent(o.password)}`}@127.0.0.1:${port}/postgres`,
    socketDir: dir,
    port,
    restart: async (mode = 'fast') => {
      await ctl('restart', mode);
    },
    outage: async (ms: number) => {
      await ctl('stop');
      await new Promise((r) => setTimeout(r, ms));
      await ctl('start');
    },
    stop: async () => {
      await as(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
