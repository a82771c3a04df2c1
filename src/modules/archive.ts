import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MusterError } from '../errors.js';
import { runProcess } from '../proc/index.js';
import { checkLinks, type TarEntry } from './tar.js';

/** An unpacked module is a few scripts; a bomb stops here. */
export const MAX_UNPACKED = 64 * 1024 * 1024;

function bad(message: string): MusterError {
  return new MusterError('MODULE_ARCHIVE_INVALID', message);
}

/**
 * The tar bytes of a .pmod: Perceus's are bzip2 (`tar xjf`), gzip is accepted too, and a plain
 * tar as it is. gzip is undone by node:zlib; Node has no bzip2, so that goes through the system
 * `bzip2 -dc` run by the one process runner, from a file in the caller's scratch directory.
 */
export async function decompress(bytes: Buffer, scratch: string): Promise<Buffer> {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes, { maxOutputLength: MAX_UNPACKED });
    } catch (err) {
      throw bad(`not a valid gzip file: ${(err as Error).message}`);
    }
  }
  if (bytes.subarray(0, 3).toString('latin1') !== 'BZh') return bytes;
  const file = join(scratch, 'archive.bz2');
  await writeFile(file, bytes);
  const r = await runProcess('bzip2', {
    args: ['-dc', file],
    cwd: scratch,
    env: { PATH: '/bin:/usr/bin' },
    stdoutLimit: MAX_UNPACKED,
    signal: AbortSignal.timeout(60_000),
  });
  if (r.ended === 'output-limit') throw bad(`unpacks to more than ${MAX_UNPACKED} bytes`);
  if (r.ended !== 'exit' || r.exitCode !== 0) throw bad('not a valid bzip2 file (bzip2 -d failed)');
  return r.stdout;
}

/**
 * The entries of the module itself: the archive holds `nodescripts/…`, `defaultroles` … at its
 * top, or all of them under one top directory (`hostname/nodescripts/…`), which is dropped.
 * Symlinks are checked against that top. `.installed` is state, not content: an archive's own
 * is left out, so a new module is active nowhere.
 */
export function moduleEntries(entries: TarEntry[]): TarEntry[] {
  const hasScripts = (list: TarEntry[]): boolean => list.some((e) => e.path === 'nodescripts' || e.path.startsWith('nodescripts/'));
  let list = entries;
  if (!hasScripts(list)) {
    const tops = new Set(list.map((e) => e.path.split('/')[0]));
    const [top] = tops;
    const inner = tops.size === 1 ? list.filter((e) => e.path !== top).map((e) => ({ ...e, path: e.path.slice(top!.length + 1) })) : [];
    if (!hasScripts(inner)) throw bad('not a Perceus module: no nodescripts/ directory at its top (or under its one top directory)');
    if (list.some((e) => e.path === top && e.type !== 'dir')) throw bad(`'${top}' is not a directory`);
    list = inner;
  }
  const scripts = list.find((e) => e.path === 'nodescripts');
  if (scripts && scripts.type !== 'dir') throw bad("'nodescripts' must be a directory");
  list = list.filter((e) => e.path !== '.installed');
  checkLinks(list);
  return list;
}
