/** A statedir with modules written by the test, a fresh database and a NodescriptService. */
import { connect } from 'node:net';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { silentLogger } from '../../src/log.js';
import type { NodeDefaults } from '../../src/nodes/index.js';
import { NodescriptService, type NodescriptServiceOptions } from '../../src/nodescripts/service.js';
import { freshDb, type Backend, type TestDb } from '../helpers/db.js';

export const DEFAULTS: NodeDefaults = { nameTemplate: 'n####', firstNode: 0, group: 'cluster', vnfs: '', enabled: true, debug: 0, bootenv: 'discovery' };

/** Writes a module; `exec` false leaves it non-executable. */
export async function writeModule(statedir: string, rel: string, text: string, exec = true): Promise<string> {
  const path = join(statedir, 'nodescripts', rel);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  await chmod(path, exec ? 0o755 : 0o644);
  return path;
}

export async function linkModule(statedir: string, rel: string, target: string): Promise<void> {
  const path = join(statedir, 'nodescripts', rel);
  await mkdir(dirname(path), { recursive: true });
  await symlink(target, path);
}

export interface Fixture extends TestDb {
  service: NodescriptService;
}

export async function fixture(
  kind: Backend,
  over: Partial<NodescriptServiceOptions> = {},
  render: Partial<NodescriptServiceOptions['render']> = {},
): Promise<Fixture> {
  const t = await freshDb(kind);
  const service = new NodescriptService({
    db: t.db,
    log: silentLogger(),
    concurrency: 4,
    defaults: DEFAULTS,
    render: {
      statedir: t.statedir,
      limits: { timeoutMs: 30_000, outputLimit: 16 * 1024 * 1024 },
      failurePolicy: 'ignore',
      vnfs: { vnfsMethod: 'http', vnfsMaster: '127.0.0.1:3000', vnfsPrefix: '' },
      ...render,
    },
    ...over,
  });
  return { ...t, service };
}

/** Sends `payload` to a TCP port and collects everything until the server closes (or `timeoutMs`). */
export function talk(
  port: number,
  payload: Buffer | string | null,
  opts: { half?: boolean; timeoutMs?: number } = {},
): Promise<{ text: string; closed: boolean; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const sock = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed, ms: Date.now() - started });
    };
    const timer = setTimeout(() => done(false), opts.timeoutMs ?? 10_000);
    sock.on('data', (c) => chunks.push(c));
    sock.on('end', () => done(true));
    sock.on('error', () => done(true));
    sock.on('connect', () => {
      if (payload !== null) sock.write(payload);
      if (opts.half) sock.end();
    });
  });
}
