import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { isProcessAlive } from './pid.js';

/**
 * How a CLI finds a running daemon without flags: the daemon writes `daemon.json` (its API URL,
 * statedir, pid) into statedir and into a per-user runtime dir; the CLI reads them back, its own
 * statedir's first (src/cli/discover.ts).
 */
export const RuntimeInfoSchema = z.object({
  pid: z.number().int(),
  api: z.string(),
  http: z.string(),
  /** host:port the admin API and node HTTP are bound to (`api`/`http` are the connectable URLs) */
  bound: z.object({ api: z.string(), http: z.string() }).optional(),
  statedir: z.string(),
  startedAt: z.string(),
  /** bound ports of the node-facing servers (0 = not running) */
  ports: z.object({ provisiond: z.number().int(), tftp: z.number().int(), dhcp: z.number().int() }),
});
export type RuntimeInfo = z.infer<typeof RuntimeInfoSchema>;

export const RUNTIME_FILE = 'daemon.json';

export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MUSTER_RUNTIME_DIR) return env.MUSTER_RUNTIME_DIR;
  if (process.getuid?.() === 0) return '/run/muster';
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'muster');
  return join(tmpdir(), `muster-${process.getuid?.() ?? 'user'}`);
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, path);
}

/** Publishes the daemon's whereabouts; returns a cleanup that removes only what it wrote. */
export async function publishRuntime(info: RuntimeInfo): Promise<() => Promise<void>> {
  const text = JSON.stringify(info, null, 2) + '\n';
  const dir = runtimeDir();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const paths = [join(info.statedir, RUNTIME_FILE), join(dir, RUNTIME_FILE)];
  for (const p of paths) await writeAtomic(p, text);
  return async () => {
    for (const p of paths) {
      const cur = await readRuntimeFile(p);
      if (cur?.pid === info.pid) await unlink(p).catch(() => undefined);
    }
  };
}

export async function readRuntimeFile(path: string): Promise<RuntimeInfo | null> {
  try {
    const r = RuntimeInfoSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

const alive = (info: RuntimeInfo | null): RuntimeInfo | null => (info && isProcessAlive(info.pid) ? info : null);

/** The running daemon of a statedir, from its daemon.json (null: none, or it died). */
export async function findRuntime(statedir: string): Promise<RuntimeInfo | null> {
  return alive(await readRuntimeFile(join(statedir, RUNTIME_FILE)));
}

/** The last daemon this user started, if it still runs (the runtime dir's daemon.json). */
export async function lastRuntime(env: NodeJS.ProcessEnv = process.env): Promise<RuntimeInfo | null> {
  return alive(await readRuntimeFile(join(runtimeDir(env), RUNTIME_FILE)));
}
