/**
 * An archive file as the bytes of the tar inside it, streamed. The compression is told by the
 * file's first bytes, never its name (a `.tar` that is really gzip'd, a `.tgz` that is zstd).
 * gzip is node's zlib; bzip2, zstd and xz are the system tools, read and written with
 * backpressure, so no more than a few buffers are ever in memory.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { type Duplex, PassThrough, type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { MusterError } from '../../errors.js';
import { invalid } from './errors.js';
import { runTool } from './tool.js';

export type Compression = 'none' | 'gzip' | 'bzip2' | 'zstd' | 'xz';

const MAGIC: [Compression, number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
];
const TOOL: Partial<Record<Compression, string>> = { bzip2: 'bzip2', zstd: 'zstd', xz: 'xz' };
const CHUNK = 1 << 20;

/** The compression of `file` by its magic bytes ('none' for anything else: the tar reader judges that). */
export async function sniff(file: string): Promise<Compression> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(6);
    const { bytesRead } = await fh.read(head, 0, 6, 0);
    const found = MAGIC.find(([, m]) => bytesRead >= m.length && m.every((b, i) => head[i] === b));
    return found ? found[0] : 'none';
  } finally {
    await fh.close();
  }
}

export interface ReadOptions {
  signal?: AbortSignal;
  /** each chunk of the file as read (before decompression): progress, digests */
  onRaw?: (chunk: Buffer) => void;
}

/** The decompressed bytes of `file`. Breaking off the iteration stops the decompressor. */
export async function* decompressed(file: string, opts: ReadOptions = {}): AsyncGenerator<Buffer> {
  const compression = await sniff(file);
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([stop.signal, opts.signal]) : stop.signal;
  const source = createReadStream(file, { highWaterMark: CHUNK });
  const tap = new Transform({
    highWaterMark: CHUNK,
    transform(chunk: Buffer, _enc, done) {
      opts.onRaw?.(chunk);
      done(null, chunk);
    },
  });
  let out: Readable;
  let finished: Promise<unknown>;
  const tool = TOOL[compression];
  if (tool) {
    const pass = new PassThrough({ highWaterMark: CHUNK });
    const feed = pipeline(source, tap).catch(() => undefined); // a read error shows as the tool's truncated input
    finished = Promise.all([
      feed,
      runTool(tool, ['-dc'], (why) => invalid(`not a valid ${compression} file (${why})`), { signal, stdin: tap, stdout: pass }).then(
        () => pass.end(),
        (err: Error) => pass.destroy(err),
      ),
    ]);
    out = pass;
  } else {
    const filter: Duplex = compression === 'gzip' ? createGunzip({ chunkSize: 1 << 16 }) : new PassThrough({ highWaterMark: CHUNK });
    out = filter;
    finished = pipeline(source, tap, filter).catch(() => undefined); // the error reaches the loop below through `out`
  }
  try {
    for await (const chunk of out) yield chunk as Buffer;
  } catch (err) {
    if (err instanceof MusterError) throw err;
    throw invalid(`${compression === 'none' ? 'cannot read' : `not a valid ${compression} file:`} ${basename(file)} (${(err as Error).message})`);
  } finally {
    stop.abort();
    source.destroy();
    out.destroy();
    await finished;
  }
}
