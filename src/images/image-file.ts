/**
 * Writes an image artifact (vnfs.img: the rootfs as gzip-compressed newc cpio) the way every
 * artifact is written: to a temporary name beside the target, fsynced, then renamed over it, so a
 * failed or interrupted build leaves the previous artifact serving and nothing half-written under
 * the real name. Returns the sha256 and size of what was written, and leaves the sha256 in a
 * sidecar `<dest>.sha256` (sidecar.ts) for the file server's ETag.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { rootfsCpio } from './rootfs-cpio.js';
import { writeSha256Sidecar } from './sidecar.js';

export interface Artifact {
  sha256: string;
  size: number;
}

/** Builds `dest` from the tree at `root`. */
export async function writeRootfsImage(root: string, dest: string): Promise<Artifact> {
  const tmp = join(dirname(dest), `.${basename(dest)}.${process.pid}.${Date.now()}.tmp`);
  const hash = createHash('sha256');
  let size = 0;
  let sha256 = '';
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  try {
    // mtime 0 in the gzip header (zlib's default): the same tree gives the same bytes.
    await pipeline(Readable.from(rootfsCpio(root)), createGzip(), tap, createWriteStream(tmp, { flags: 'wx', mode: 0o644 }));
    sha256 = hash.digest('hex');
    // fsync is per file, not per descriptor: the write stream has closed its own by now.
    const file = await open(tmp, 'r');
    await file.sync().finally(() => file.close());
    // The sidecar first: the artifact never appears under its name without its sum beside it.
    await writeSha256Sidecar(dest, sha256, tmp);
    await rename(tmp, dest);
    // The rename itself is durable once the directory is.
    const parent = await open(dirname(dest), 'r');
    await parent.sync().finally(() => parent.close());
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { sha256, size };
}
