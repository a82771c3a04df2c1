/**
 * The tar header format (ustar, pax and GNU), decoded one 512-byte block at a time. Shared by
 * every tar reader in muster (the in-memory module reader and the streaming image reader), so
 * there is one idea of what a header says. Pure: bytes in, fields out; what a bad field means is
 * the caller's (`invalid` makes the caller's own error).
 */

export const BLOCK = 512;
/** An L/K/x header's data is read whole; a hostile archive must not make that large. */
export const MAX_META = 1024 * 1024;

/** Makes the caller's error; `unsafe` marks a path that would land outside the archive's directory. */
export type Invalid = (message: string, kind?: 'unsafe') => Error;

export interface TarHeader {
  /** the name as stored: ustar prefix joined, before pax/GNU long names */
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** seconds since the epoch */
  mtime: number;
  /** the type flag: '0' file, '1' hard link, '2' symlink, '3'/'4' char/block device, '5' dir, '6' FIFO, 'L'/'K'/'x'/'g' meta */
  type: string;
  linkname: string;
  devmajor: number;
  devminor: number;
}

function text(block: Buffer, at: number, len: number): string {
  const field = block.subarray(at, at + len);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? len : end).toString('utf8');
}

/** Octal (space/NUL padded) or GNU base-256 (high bit set) numbers. */
function number(block: Buffer, at: number, len: number, invalid: Invalid): number {
  if ((block[at]! & 0x80) !== 0) {
    let n = block[at]! & 0x7f;
    for (let i = 1; i < len; i++) n = n * 256 + block[at + i]!;
    return n;
  }
  const s = text(block, at, len).trim();
  if (!/^[0-7]*$/.test(s)) throw invalid(`bad number field '${s.slice(0, 16)}'`);
  return s === '' ? 0 : parseInt(s, 8);
}

/** True for an all-zero block: the end of the archive. */
export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** Decodes one header block; throws `invalid` on a bad checksum or a garbled number. */
export function decodeHeader(block: Buffer, invalid: Invalid): TarHeader {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  const stored = text(block, 148, 8).trim();
  if (!/^[0-7]+$/.test(stored) || parseInt(stored, 8) !== sum) throw invalid('bad header checksum');
  const name = text(block, 0, 100);
  // The prefix field exists only in ustar ('ustar\0'); old GNU headers ('ustar  ') use those bytes otherwise.
  const ustar = block.toString('latin1', 257, 263) === 'ustar\0';
  const prefix = ustar ? text(block, 345, 155) : '';
  return {
    name: prefix ? `${prefix}/${name}` : name,
    mode: number(block, 100, 8, invalid),
    uid: number(block, 108, 8, invalid),
    gid: number(block, 116, 8, invalid),
    size: number(block, 124, 12, invalid),
    mtime: number(block, 136, 12, invalid),
    type: String.fromCharCode(block[156]!),
    linkname: text(block, 157, 100),
    devmajor: number(block, 329, 8, invalid),
    devminor: number(block, 337, 8, invalid),
  };
}

/** pax extended header records: `<len> key=value\n`. */
export function paxRecords(data: Buffer, invalid: Invalid): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const len = space < 0 ? NaN : Number(data.subarray(at, space).toString('ascii'));
    if (!Number.isInteger(len) || len <= 0 || at + len > data.length) throw invalid('bad pax header');
    const rec = data.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    at += len;
  }
  return out;
}

/**
 * The archive path made relative and normal (`./a//b/` → `a/b`); absolute paths and any `..`
 * are refused, not stripped, so the admin learns the archive is not what it claims.
 */
export function entryPath(raw: string, invalid: Invalid): string {
  if (raw.startsWith('/')) throw invalid(`member '${raw}' has an absolute path`, 'unsafe');
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw invalid(`member '${raw}' climbs out with '..'`, 'unsafe');
  return parts.join('/');
}

/** A member as the archive means it: its header with pax and GNU long names and sizes applied. */
export interface TarMember extends TarHeader {
  /** normalized by entryPath ('' for the archive's own `./`) */
  path: string;
  /** pax keys that muster does not apply (e.g. SCHILY.xattr.*, GNU.sparse.*) */
  pax: Map<string, string>;
}

/**
 * Folds meta headers (GNU `L`/`K` long names, pax `x`) into the member that follows them. Feed it
 * every header; `meta` says whether a header is one whose data must be read and given to `absorb`.
 */
export class MemberNames {
  private longName: string | null = null;
  private longLink: string | null = null;
  private pax = new Map<string, string>();
  constructor(private readonly invalid: Invalid) {}

  static meta(type: string): boolean {
    return type === 'L' || type === 'K' || type === 'x' || type === 'g';
  }

  absorb(h: TarHeader, data: Buffer): void {
    if (h.type === 'L') this.longName = text(data, 0, data.length);
    else if (h.type === 'K') this.longLink = text(data, 0, data.length);
    else if (h.type === 'x') this.pax = paxRecords(data, this.invalid);
    // 'g': global pax defaults; nothing muster relies on is set that way by tar, podman or docker
  }

  member(h: TarHeader): TarMember {
    const pax = this.pax;
    const name = pax.get('path') ?? this.longName ?? h.name;
    const linkname = pax.get('linkpath') ?? this.longLink ?? h.linkname;
    [this.longName, this.longLink, this.pax] = [null, null, new Map()];
    const num = (key: string, fallback: number): number => {
      const v = pax.get(key);
      if (v === undefined) return fallback;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw this.invalid(`bad pax ${key} '${v.slice(0, 32)}'`);
      return n;
    };
    return {
      ...h,
      name,
      linkname,
      path: entryPath(name, this.invalid),
      size: num('size', h.size),
      uid: num('uid', h.uid),
      gid: num('gid', h.gid),
      mtime: Math.floor(num('mtime', h.mtime)),
      pax,
    };
  }
}
