import { resolve } from 'node:path';
import { isErrorCode, MusterError } from '../../errors.js';
import type { Cli } from '../context.js';
import { byteProgress, formatBytes } from '../progress.js';

export interface ApiRevision {
  revision: number;
  state: string;
  source: string;
  kind: string;
  kernelVersion: string | null;
  kernelArgs: string;
  kernelSha256: string | null;
  kernelSize: number | null;
  imageSha256: string | null;
  imageSize: number | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface ApiImage {
  name: string;
  current: number | null;
  source: string;
  createdAt: string;
  updatedAt: string;
  nodes: number;
}

interface Line {
  progress?: { phase: string; done: number; total?: number };
  done?: { name: string; revision: ApiRevision; unchanged: boolean };
  error?: { code: string; detail: string };
}

/** A path the daemon can open: the CLI runs on the master, so relative paths are made absolute here. */
export function masterPath(p: string): string {
  return resolve(p);
}

/**
 * Runs a streaming import/rebuild/clone: a progress bar on a terminal, the JSON lines with
 * --json, and Ctrl-C closes the request, which the daemon takes as a cancel (the previous
 * revision keeps serving).
 */
export async function streamImport(cli: Cli, path: string, body: unknown, label: string): Promise<void> {
  const bar = byteProgress(cli, label);
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  let result: Line['done'];
  let failure: Line['error'];
  try {
    await (await cli.client()).stream(
      path,
      body,
      (v) => {
        const l = v as Line;
        if (cli.g.json) process.stdout.write(JSON.stringify(l) + '\n');
        if (l.progress) bar.update(l.progress.phase, l.progress.done, l.progress.total);
        if (l.done) result = l.done;
        if (l.error) failure = l.error;
      },
      abort.signal,
    );
  } catch (err) {
    if (abort.signal.aborted) throw new MusterError('IMAGE_IMPORT_ABORTED', `${label}: cancelled; the previous revision still serves`);
    throw err;
  } finally {
    process.removeListener('SIGINT', onSigint);
    bar.end();
  }
  if (failure) throw new MusterError(isErrorCode(failure.code) ? failure.code : 'INTERNAL', failure.detail);
  if (!result) throw new MusterError('INTERNAL', `${label}: the daemon ended the stream without a result`);
  if (cli.g.json) return;
  const r = result.revision;
  if (result.unchanged) cli.info(`VNFS '${result.name}' is unchanged: revision ${r.revision} (sha256 ${r.imageSha256?.slice(0, 12)}) still current`);
  else
    cli.info(
      `VNFS '${result.name}' revision ${r.revision} is current: vnfs.img ${formatBytes(r.imageSize ?? 0)} sha256 ${r.imageSha256?.slice(0, 12)}, kernel ${r.kernelVersion ?? '(no version)'}`,
    );
}
