import { posix } from 'node:path';
import { MusterError } from '../errors.js';
import { BLOCK, decodeHeader, isZeroBlock, MemberNames } from '../tar/index.js';

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

/** A module is a few scripts; this bounds the work a hostile archive can cause. */
export const MAX_ENTRIES = 10_000;

function bad(message: string): MusterError {
  return new MusterError('MODULE_ARCHIVE_INVALID', message);
}

/**
 * Every entry, in archive order; throws MODULE_ARCHIVE_INVALID on a path it will not write.
 * Symlink targets are checked by checkLinks once the caller knows where the module's top is.
 */
export function readTar(bytes: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  const seen = new Set<string>();
  const names = new MemberNames(bad);
  let at = 0;
  while (true) {
    if (at + BLOCK > bytes.length) throw bad('not a tar archive (truncated, or no end-of-archive blocks)');
    const block = bytes.subarray(at, at + BLOCK);
    if (isZeroBlock(block)) break;
    const header = (() => {
      try {
        return decodeHeader(block, bad);
      } catch {
        throw at === 0 ? bad('not a tar archive (or compressed with something other than gzip or bzip2)') : bad(`corrupt tar header at byte ${at}`);
      }
    })();
    const dataAt = at + BLOCK;
    if (MemberNames.meta(header.type)) {
      if (dataAt + header.size > bytes.length) throw bad('tar archive is truncated');
      names.absorb(header, bytes.subarray(dataAt, dataAt + header.size));
      at = dataAt + Math.ceil(header.size / BLOCK) * BLOCK;
      continue;
    }
    const m = names.member(header);
    const size = m.type === '0' || m.type === '\0' || m.type === '7' ? m.size : 0;
    if (dataAt + size > bytes.length) throw bad('tar archive is truncated');
    const data = bytes.subarray(dataAt, dataAt + size);
    at = dataAt + Math.ceil(size / BLOCK) * BLOCK;
    const path = m.path;
    if (path === '') continue; // the archive's own `./`
    if (seen.has(path)) throw bad(`entry '${path}' appears twice`);
    seen.add(path);
    if (entries.length >= MAX_ENTRIES) throw bad(`more than ${MAX_ENTRIES} entries`);
    const type = m.type;
    if (type === '0' || type === '\0' || type === '7') entries.push({ path, type: 'file', executable: (m.mode & 0o111) !== 0, data });
    else if (type === '5') entries.push({ path, type: 'dir' });
    else if (type === '2') entries.push({ path, type: 'symlink', target: m.linkname });
    else if (type === '1') throw bad(`entry '${path}' is a hard link; muster takes files, directories and symlinks`);
    else throw bad(`entry '${path}' is a device, FIFO or unknown type '${type}'; muster takes files, directories and symlinks`);
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
