/**
 * A real muster daemon in a child process (bin/muster daemon, the built dist/), on ephemeral
 * ports, with its own statedir and runtime dir; and a way to run the real CLI against it. Loading
 * this module rebuilds a stale dist/ first (helpers/dist.ts).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { readRuntimeFile, type RuntimeInfo } from '../../src/runtime.js';
import { ensureFreshDist } from './dist.js';

await ensureFreshDist();

export const MUSTER_BIN = join(PACKAGE_ROOT, 'bin', 'muster');
export const PERCEUS_BIN = join(PACKAGE_ROOT, 'bin', 'perceus');

export interface TestDaemon {
  statedir: string;
  runtimeDir: string;
  info: RuntimeInfo;
  token: string;
  proc: ResultPromise;
  /** env for CLI processes that should find this daemon */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface DaemonSpawnOptions {
  statedir?: string;
  databaseUrl?: string;
  args?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Every port ephemeral so test files never collide. */
export const EPHEMERAL_PORTS = ['--http-port', '0', '--api-port', '0', '--provisiond-port', '0', '--tftp-port', '0', '--dhcp-port', '0'];

export async function spawnDaemon(o: DaemonSpawnOptions = {}): Promise<TestDaemon> {
  const statedir = o.statedir ?? (await mkdtemp(join(tmpdir(), 'muster-d-')));
  const runtimeDir = await mkdtemp(join(tmpdir(), 'muster-run-'));
  const env: Record<string, string> = { MUSTER_RUNTIME_DIR: runtimeDir, MUSTER_LOG_LEVEL: 'warn', ...o.env };
  if (o.databaseUrl) env.DATABASE_URL = o.databaseUrl;
  const proc = execa(MUSTER_BIN, ['daemon', '--statedir', statedir, ...EPHEMERAL_PORTS, ...(o.args ?? [])], {
    env,
    extendEnv: true,
    reject: false,
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  let info: RuntimeInfo | null = null;
  let exited = false;
  void proc.then(() => (exited = true));
  while (!info) {
    if (exited) throw new Error(`daemon exited during start: ${stderr}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`daemon did not start in time: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
    const r = await readRuntimeFile(join(statedir, 'daemon.json'));
    if (r && r.pid === proc.pid) info = r;
  }
  const token = (await readFile(join(statedir, 'admin.token'), 'utf8')).trim();
  return {
    statedir,
    runtimeDir,
    info,
    token,
    proc,
    env: { MUSTER_RUNTIME_DIR: runtimeDir, MUSTER_STATEDIR: statedir },
    async stop() {
      if (!exited) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await proc;
        clearTimeout(t);
      }
      await rm(runtimeDir, { recursive: true, force: true });
      if (!o.statedir) await rm(statedir, { recursive: true, force: true });
    },
  };
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs bin/muster (or bin/perceus) with args; never throws on a non-zero exit. */
export async function cli(
  d: { env: Record<string, string> } | null,
  args: string[],
  o: { bin?: string; input?: string; env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  const r = await execa(o.bin ?? MUSTER_BIN, args, {
    env: { ...(d?.env ?? {}), ...(o.env ?? {}) },
    ...(o.cwd === undefined ? {} : { cwd: o.cwd }),
    extendEnv: true,
    reject: false,
    input: o.input ?? '',
    stripFinalNewline: false,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
