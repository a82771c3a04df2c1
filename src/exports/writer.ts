import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../db/index.js';
import { EVENTS_CHANNEL } from '../events/index.js';
import type { Logger } from '../log.js';
import { selectNodes } from '../nodes/index.js';
import { renderExport, type ExportFormat } from './render.js';

export interface ExportWriterOptions {
  db: Db;
  log: Logger;
  dir: string;
  formats: ExportFormat[];
  domain?: string | undefined;
  /** a change waits this long for company before the files are rewritten */
  settleMs?: number;
  /** and rewrites start at least this far apart, so a long burst costs a handful of writes */
  minIntervalMs?: number;
  /** poll fallback: NOTIFY is a hint, so the files are also refreshed this often */
  refreshMs?: number;
}

export interface ExportWriter {
  /** files written so far, per format */
  writes: Record<string, number>;
  /** resolves once every change seen so far is on disk */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Keeps export files in step with the registry. Changes are coalesced: while a rewrite is due or
 * running, further changes only mark the files dirty, and rewrites start at least minIntervalMs
 * apart, so a burst of 1,000 changes rewrites each file a handful of times; the last rewrite always starts after the last change, so none is lost.
 */
export async function startExportWriter(o: ExportWriterOptions): Promise<ExportWriter> {
  await mkdir(o.dir, { recursive: true });
  const writes: Record<string, number> = Object.fromEntries(o.formats.map((f) => [f, 0]));
  let dirty = true;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let closed = false;
  let lastError: unknown = null;

  let lastStart = 0;
  const writeAll = async () => {
    dirty = false;
    lastStart = Date.now();
    const { nodes } = await selectNodes(o.db, ['*']);
    for (const f of o.formats) {
      const path = join(o.dir, f === 'dnsmasq' ? 'dnsmasq-hosts' : f);
      await writeFile(`${path}.tmp`, renderExport(f, nodes, o.domain));
      await rename(`${path}.tmp`, path);
      writes[f]! += 1;
    }
  };
  const run = (): Promise<void> => {
    timer = null;
    running ??= writeAll()
      .then(() => {
        lastError = null;
      })
      .catch((err: unknown) => {
        lastError = err;
        dirty = true;
        o.log.warn({ err }, 'writing export files failed; will retry');
      })
      .finally(() => {
        running = null;
        if (dirty && !closed) schedule();
      });
    return running;
  };
  const schedule = () => {
    dirty = true;
    if (timer || running || closed) return;
    const wait = Math.max(o.settleMs ?? 200, lastStart + (o.minIntervalMs ?? 1000) - Date.now());
    timer = setTimeout(run, wait);
  };

  const unlisten = await o.db.listen(EVENTS_CHANNEL, schedule);
  const refresh = setInterval(schedule, o.refreshMs ?? 60_000);
  refresh.unref();
  await run();
  return {
    writes,
    async flush() {
      for (;;) {
        if (timer) clearTimeout(timer);
        timer = null;
        if (running) {
          await running;
          continue;
        }
        if (!dirty) return;
        await run();
        if (lastError) throw lastError;
      }
    },
    async close() {
      closed = true;
      clearInterval(refresh);
      if (timer) clearTimeout(timer);
      await unlisten();
      await running;
    },
  };
}
