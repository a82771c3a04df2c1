/**
 * Writes an image artifact (vnfs.img: the rootfs as gzip-compressed newc cpio; a kernel) the way
 * every artifact is written: to a temporary name beside the target, fsynced, then renamed over
 * it, so a failed or interrupted build leaves the previous artifact serving and nothing
 * half-written under the real name. Returns the sha256 and size of what was written.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { rootfsCpio, type CpioOptions } from './rootfs-cpio.js';

export interface Artifact {
  sha256: string;
  size: number;
}

/** `source` (through `transform`, if any) into `dest`, atomically. */
async function writeArtifact(dest: string, source: Readable, transform?: Transform): Promise<Artifact> {
  const tmp = join(dirname(dest), `.${basename(dest)}.${process.pid}.${Date.now()}.tmp`);
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const out = createWriteStream(tmp, { flags: 'wx', mode: 0o644 });
  try {
    await (transform ? pipeline(source, transform, tap, out) : pipeline(source, tap, out));
    // fsync is per file, not per descriptor: the write stream has closed its own by now.
    const file = await open(tmp, 'r');
    await file.sync().finally(() => file.close());
    await rename(tmp, dest);
    // The rename itself is durable once the directory is.
    const parent = await open(dirname(dest), 'r');
    await parent.sync().finally(() => parent.close());
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { sha256: hash.digest('hex'), size };
}

/** Builds `dest` from the tree at `root`. mtime 0 in the gzip header (zlib's default): the same tree gives the same bytes. */
export function writeRootfsImage(root: string, dest: string, opts: CpioOptions = {}): Promise<Artifact> {
  return writeArtifact(dest, Readable.from(rootfsCpio(root, opts)), createGzip());
}

/** Copies the file `from` (a kernel) to `dest`. */
export function copyArtifact(from: string, dest: string): Promise<Artifact> {
  return writeArtifact(dest, createReadStream(from));
}
