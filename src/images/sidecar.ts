/**
 * `<artifact>.sha256`: the artifact's sha256 beside it, so the file server can send it as the
 * ETag without asking the database on every request. The first line is sha256sum's own format
 * (`sha256sum -c vnfs.img.sha256` checks it); a comment line binds the sum to the file's size and
 * mtime, so a sidecar left from another build (a crash between two renames, a file replaced by
 * hand) is seen not to describe the file it sits beside, and is ignored rather than believed.
 */
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const SIDECAR_SUFFIX = '.sha256';

/** What a sidecar must match: the file's size and mtime in nanoseconds (a bigint fstat). */
export interface FileIdentity {
  size: bigint;
  mtimeNs: bigint;
}

function sidecarText(name: string, sha256: string, id: FileIdentity): string {
  return `${sha256}  ${name}\n# size=${id.size} mtime_ns=${id.mtimeNs}\n`;
}

/**
 * Writes `<dest>.sha256` for the bytes now in `file`: `dest` itself, or the temporary name that is
 * about to be renamed to `dest` (then the sidecar is in place before the artifact appears, and
 * until that rename it matches nothing). Atomic: temporary name, fsync, rename.
 */
export async function writeSha256Sidecar(dest: string, sha256: string, file: string = dest): Promise<void> {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new TypeError(`'${sha256}' is not a sha256 in lower-case hex`);
  const st = await stat(file, { bigint: true });
  const side = dest + SIDECAR_SUFFIX;
  const tmp = join(dirname(side), `.${basename(side)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(sidecarText(basename(dest), sha256, { size: st.size, mtimeNs: st.mtimeNs }));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, side);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The sha256 in `<file>.sha256` if that sidecar describes a file of this identity; else null. */
export async function readSha256Sidecar(file: string, id: FileIdentity): Promise<string | null> {
  const text = await readFile(file + SIDECAR_SUFFIX, 'utf8').catch(() => null);
  const m = text === null ? null : /^([0-9a-f]{64}) {2}[^\n]*\n# size=(\d+) mtime_ns=(\d+)\n$/.exec(text);
  if (!m || BigInt(m[2]!) !== id.size || BigInt(m[3]!) !== id.mtimeNs) return null;
  return m[1]!;
}
