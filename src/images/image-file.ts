/**
 * Writes an image artifact (vnfs.img: the rootfs as gzip-compressed newc cpio; vmlinuz: the
 * image's kernel; muster's own boot files) the way every artifact is written: to a temporary name beside the target,
 * fsynced, then renamed over it, so a failed or interrupted build leaves the previous artifact
 * serving and nothing half-written under the real name. Returns the sha256 and size written, and
 * leaves the sha256 in a sidecar `<dest>.sha256` (sidecar.ts) for the file server's ETag.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { rootfsCpio, type CpioOptions } from './rootfs-cpio.js';
import { writeSha256Sidecar } from './sidecar.js';

export interface Artifact {
  sha256: string;
  size: number;
}

export interface BuildOptions extends CpioOptions {
  signal?: AbortSignal | undefined;
  /** bytes of the uncompressed archive so far (for a progress line) */
  onBytes?: ((done: number) => void) | undefined;
}

/** What goes to zlib at once: each write is a thread-pool job, and cpio headers are ~120 bytes. */
const GZIP_INPUT = 1 << 20;

/** The archive's many small pieces joined into GZIP_INPUT-sized buffers; big pieces pass as they are. */
async function* coalesced(chunks: AsyncIterable<Buffer>, onBytes: BuildOptions['onBytes']): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let bytes = 0;
  let total = 0;
  const out = (b: Buffer): Buffer => {
    total += b.length;
    onBytes?.(total);
    return b;
  };
  for await (const c of chunks) {
    if (c.length >= GZIP_INPUT) {
      if (bytes > 0) yield out(Buffer.concat(held, bytes));
      held = [];
      bytes = 0;
      yield out(c);
      continue;
    }
    held.push(c);
    bytes += c.length;
    if (bytes >= GZIP_INPUT) {
      yield out(Buffer.concat(held, bytes));
      held = [];
      bytes = 0;
    }
  }
  if (bytes > 0) yield out(Buffer.concat(held, bytes));
}

/** Builds `dest` from the tree at `root`. */
export function writeRootfsImage(root: string, dest: string, opts: BuildOptions = {}): Promise<Artifact> {
  // mtime 0 in the gzip header (zlib's default): the same tree gives the same bytes.
  return writeArtifact(dest, [Readable.from(coalesced(rootfsCpio(root, opts), opts.onBytes)), createGzip({ chunkSize: 256 * 1024 })], opts.signal);
}

/** Copies `source` (the kernel inside an image) to `dest`. */
export function copyArtifact(source: string, dest: string, signal?: AbortSignal): Promise<Artifact> {
  return writeArtifact(dest, [createReadStream(source)], signal);
}

async function writeArtifact(dest: string, stages: [Readable, ...NodeJS.ReadWriteStream[]], signal: AbortSignal | undefined): Promise<Artifact> {
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
  let sha256: string;
  try {
    await pipeline([...stages, tap, createWriteStream(tmp, { flags: 'wx', mode: 0o644 })], signal ? { signal } : {});
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
