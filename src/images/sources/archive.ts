/** Tarballs (plain or compressed, any of decompress.ts's kinds) unpacked member by member. */
import { basename } from 'node:path';
import { type Invalid, readTarStream } from '../../tar/index.js';
import { decompressed } from './decompress.js';
import { invalid, unsafe } from './errors.js';
import type { Extractor } from './extract.js';

export interface ArchiveReadOptions {
  signal?: AbortSignal;
  /** each chunk of the file as read, before decompression */
  onRaw?: (chunk: Buffer) => void;
  /** each chunk after decompression (an OCI layer's diff id) */
  onPlain?: (chunk: Buffer) => void;
}

/** The tar reader's complaints, naming the file. */
function complaints(file: string): Invalid {
  return (message, kind) => (kind === 'unsafe' ? unsafe : invalid)(`${basename(file)}: ${message}`);
}

/** Writes the members of the tarball `file` through `into` (call its finish() after the last archive). */
export async function unpackArchive(file: string, into: Extractor, opts: ArchiveReadOptions = {}): Promise<void> {
  const bytes = decompressed(file, { signal: opts.signal, onRaw: opts.onRaw });
  const plain = opts.onPlain ? tapped(bytes, opts.onPlain) : bytes;
  await into.apply(readTarStream(plain, complaints(file)));
}

async function* tapped(chunks: AsyncGenerator<Buffer>, tap: (c: Buffer) => void): AsyncGenerator<Buffer> {
  for await (const c of chunks) {
    tap(c);
    yield c;
  }
}
