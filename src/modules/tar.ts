import { posix } from 'node:path';
import { MusterError } from '../errors.js';

/**
 * A reader for the tar format (ustar, pax and GNU long names), so that every entry of a module
 * archive is checked before anything is written: system tar writes as it reads, and what it
 * refuses (`..`, absolute names, writes through a link it just made) depends on its version and
 * flags. Pure: bytes in, checked entries out.
 */
export type TarEntry =
  | { path: string; type: 'dir' }
  | { path: string; type: 'file'; executable: boolean; data: Buffer }
  | { path: string; type: 'symlink'; target: string };

const BLOCK = 512;
/** A module is a few scripts; this bounds the work a hostile archive can cause. */
export const MAX_ENTRIES = 10_000;

function bad(message: string): MusterError {
  return new MusterError('MODULE_ARCHIVE_INVALID', message);
}

function text(block: Buffer, at: number, len: number): string {
  const field = block.subarray(at, at + len);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? len : end).toString('utf8');
}

/** Octal (space/NUL padded) or GNU base-256 (high bit set) numbers. */
function number(block: Buffer, at: number, len: number): number {
  if ((block[at]! & 0x80) !== 0) {
    let n = block[at]! & 0x7f;
    for (let i = 1; i < len; i++) n = n * 256 + block[at + i]!;
    return n;
  }
  const s = text(block, at, len).trim();
  if (!/^[0-7]*$/.test(s)) throw bad(`not a tar archive (bad number field '${s.slice(0, 16)}')`);
  return s === '' ? 0 : parseInt(s, 8);
}

function checksumOk(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return sum === number(block, 148, 8);
}

/** pax extended header records: `<len> key=value\n`. */
function paxRecords(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const len = space < 0 ? NaN : Number(data.subarray(at, space).toString('ascii'));
    if (!Number.isInteger(len) || len <= 0 || at + len > data.length) throw bad('not a tar archive (bad pax header)');
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
export function entryPath(raw: string): string {
  if (raw.startsWith('/')) throw bad(`entry '${raw}' has an absolute path`);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw bad(`entry '${raw}' climbs out with '..'`);
  return parts.join('/');
}

/**
 * Every entry, in archive order; throws MODULE_ARCHIVE_INVALID on a path it will not write.
 * Symlink targets are checked by checkLinks once the caller knows where the module's top is.
 */
export function readTar(bytes: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  const seen = new Set<string>();
  let longName: string | null = null;
  let longLink: string | null = null;
  let pax = new Map<string, string>();
  let at = 0;
  while (true) {
    if (at + BLOCK > bytes.length) throw bad('not a tar archive (truncated, or no end-of-archive blocks)');
    const block = bytes.subarray(at, at + BLOCK);
    if (block.every((b) => b === 0)) break;
    if (!checksumOk(block))
      throw bad(at === 0 ? 'not a tar archive (or compressed with something other than gzip or bzip2)' : `corrupt tar header at byte ${at}`);
    const type = String.fromCharCode(block[156]!);
    const size = number(block, 124, 12);
    const dataAt = at + BLOCK;
    if (dataAt + size > bytes.length) throw bad('tar archive is truncated');
    const data = bytes.subarray(dataAt, dataAt + size);
    at = dataAt + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'L') longName = text(data, 0, data.length);
    else if (type === 'K') longLink = text(data, 0, data.length);
    else if (type === 'x') pax = paxRecords(data);
    else if (type === 'g')
      continue; // global pax defaults: nothing muster uses
    else {
      const prefix = text(block, 345, 155);
      const name = pax.get('path') ?? longName ?? (prefix ? `${prefix}/${text(block, 0, 100)}` : text(block, 0, 100));
      const link = pax.get('linkpath') ?? longLink ?? text(block, 157, 100);
      [longName, longLink, pax] = [null, null, new Map()];
      const path = entryPath(name);
      if (path === '') continue; // the archive's own `./`
      if (seen.has(path)) throw bad(`entry '${path}' appears twice`);
      seen.add(path);
      if (entries.length >= MAX_ENTRIES) throw bad(`more than ${MAX_ENTRIES} entries`);
      const mode = number(block, 100, 8);
      if (type === '0' || type === '\0' || type === '7') entries.push({ path, type: 'file', executable: (mode & 0o111) !== 0, data });
      else if (type === '5') entries.push({ path, type: 'dir' });
      else if (type === '2') entries.push({ path, type: 'symlink', target: link });
      else if (type === '1') throw bad(`entry '${path}' is a hard link; muster takes files, directories and symlinks`);
      else throw bad(`entry '${path}' is a device, FIFO or unknown type '${type}'; muster takes files, directories and symlinks`);
    }
  }
  return entries;
}

/**
 * Symlinks must stay inside the archive: a relative target, resolved from the link's directory,
 * that never climbs above the top and never passes through another link (whose own target would
 * change what `..` means). Nothing may be written beneath a link either.
 */
export function checkLinks(entries: TarEntry[]): void {
  const links = new Set(entries.filter((e) => e.type === 'symlink').map((e) => e.path));
  for (const e of entries) {
    const parts = e.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (links.has(parts.slice(0, i).join('/'))) throw bad(`entry '${e.path}' lies beneath the symlink '${parts.slice(0, i).join('/')}'`);
    }
    if (e.type !== 'symlink') continue;
    if (e.target === '' || e.target.startsWith('/')) throw bad(`symlink '${e.path}' points at '${e.target}', outside the module`);
    const where = posix
      .dirname(e.path)
      .split('/')
      .filter((p) => p !== '.');
    const steps = e.target.split('/').filter((p) => p !== '' && p !== '.');
    for (const [i, step] of steps.entries()) {
      if (step === '..') {
        if (where.length === 0) throw bad(`symlink '${e.path}' points at '${e.target}', outside the module`);
        where.pop();
        continue;
      }
      where.push(step);
      if (i < steps.length - 1 && links.has(where.join('/'))) throw bad(`symlink '${e.path}' points through another symlink ('${where.join('/')}')`);
    }
  }
}
