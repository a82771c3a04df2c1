/**
 * Maps a TFTP filename to a file under the root and opens it, refusing anything that could
 * leave the root. Decisions:
 * - Leading `/` is stripped: firmware and DHCP boot-file settings often say `/ipxe.efi`, and
 *   tftp-hpa `-s` and dnsmasq read it relative to the root too. `/etc/passwd` is thus
 *   `<root>/etc/passwd` (normally "file not found"), never the host's file.
 * - `\` is read as `/` (Windows-style PXE clients send it), so `..\x` is caught like `../x`.
 * - Any `..` segment is refused outright (error 2), even one that would stay inside the root.
 * - The final path is resolved with realpath (symlinks included) and must lie in the root's
 *   realpath; the file is then opened with O_NOFOLLOW and must be a regular file.
 * - `%2e%2e` is not decoded: TFTP has no URL encoding, so it is a literal file name.
 */
import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { isInside } from '../../paths.js';
import { printable } from '../../text.js';
import { TFTP_ERROR } from './codec.js';

export type OpenResult = { ok: true; file: FileHandle; size: number; path: string } | { ok: false; code: number; message: string };

export async function openInRoot(rootReal: string, filename: string): Promise<OpenResult> {
  const refused = (why: string): OpenResult => ({ ok: false, code: TFTP_ERROR.ACCESS_VIOLATION, message: `access violation: ${why}` });
  if (filename.includes('\0')) return refused('NUL in file name');
  const segments = filename
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return refused(`'..' in ${printable(filename)}`);
  if (segments.length === 0) return { ok: false, code: TFTP_ERROR.FILE_NOT_FOUND, message: 'file not found' };
  let real: string;
  try {
    real = await realpath(join(rootReal, ...segments));
  } catch (err) {
    return fsFailure(err);
  }
  if (!isInside(rootReal, real)) return refused(`${printable(filename)} leads outside the root`);
  let file: FileHandle;
  try {
    file = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    return fsFailure(err);
  }
  try {
    const st = await file.stat();
    if (st.isFile()) return { ok: true, file, size: st.size, path: real };
  } catch (err) {
    await file.close().catch(() => {});
    return fsFailure(err);
  }
  await file.close().catch(() => {});
  return { ok: false, code: TFTP_ERROR.FILE_NOT_FOUND, message: 'file not found (not a regular file)' };
}

function fsFailure(err: unknown): OpenResult {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, code: TFTP_ERROR.FILE_NOT_FOUND, message: 'file not found' };
  if (code === 'EACCES' || code === 'EPERM' || code === 'ELOOP') return { ok: false, code: TFTP_ERROR.ACCESS_VIOLATION, message: 'access violation' };
  return { ok: false, code: TFTP_ERROR.UNDEFINED, message: `cannot read file (${code ?? 'error'})` };
}

/** Chunk read from disk at a time, so a 100 MB kernel never sits in memory whole. */
const READ_CHUNK = 64 * 1024;

/**
 * Hands out a file's blocks in order. Blocks are fresh slices (never reused buffers) so the
 * transfer can keep the ones of its current window for retransmission.
 * netascii: LF → CR LF and CR → CR NUL (RFC 764), so the sent length differs from the file's.
 */
export class BlockReader {
  private pending: Buffer = Buffer.alloc(0);
  private position = 0;
  private eof = false;

  constructor(
    private readonly file: FileHandle,
    private readonly blksize: number,
    private readonly netascii: boolean,
  ) {}

  /** The next block; one shorter than blksize (possibly empty) is the last. */
  async next(): Promise<Buffer> {
    while (this.pending.length < this.blksize && !this.eof) {
      const size = Math.max(READ_CHUNK, this.blksize);
      const chunk = Buffer.allocUnsafe(size);
      const { bytesRead } = await this.file.read(chunk, 0, size, this.position);
      this.position += bytesRead;
      if (bytesRead === 0) this.eof = true;
      const data = chunk.subarray(0, bytesRead);
      const converted = this.netascii ? toNetascii(data) : data;
      this.pending = this.pending.length === 0 ? converted : Buffer.concat([this.pending, converted]);
    }
    const block = this.pending.subarray(0, this.blksize);
    this.pending = this.pending.subarray(block.length);
    return block;
  }
}

export function toNetascii(data: Uint8Array): Buffer {
  let extra = 0;
  for (const b of data) if (b === 0x0a || b === 0x0d) extra++;
  if (extra === 0) return Buffer.from(data.buffer, data.byteOffset, data.length);
  const out = Buffer.allocUnsafe(data.length + extra);
  let o = 0;
  for (const b of data) {
    if (b === 0x0a) {
      out[o++] = 0x0d;
      out[o++] = 0x0a;
    } else if (b === 0x0d) {
      out[o++] = 0x0d;
      out[o++] = 0x00;
    } else out[o++] = b;
  }
  return out;
}
