/**
 * Writes tar members into a directory as root's tar does (`--same-owner --numeric-owner -p`):
 * owners by number (the image's /etc/passwd gives them names, not the master's), modes with
 * setuid/setgid/sticky, mtimes, symlinks as stored, hard links, device nodes and FIFOs. Every
 * member is checked before it is written (see guard.ts); anything refused stops the whole
 * unpack, and the caller removes the staging directory. Directory modes and times are applied
 * last, deepest first, so writing into a directory neither fails on its mode nor moves its time.
 *
 * xattrs are not restored: PAX `SCHILY.xattr.*` records are ignored, because vnfs.img is a newc
 * cpio, which cannot carry them; an image that needs file capabilities sets them at boot.
 */
import {
  chmodSync,
  chownSync,
  closeSync,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  openSync,
  symlinkSync,
  utimesSync,
  write,
} from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { posix } from 'node:path';
import { MusterError } from '../../errors.js';
import { entryPath, type StreamMember } from '../../tar/index.js';
import { checkAbort, invalid, unsafe } from './errors.js';
import { checkSymlink, Guard, lstatOrNull } from './guard.js';
import { runTool } from './tool.js';

export interface ExtractOptions {
  signal?: AbortSignal;
  /** an OCI layer: `.wh.<name>` deletes a lower entry, `.wh..wh..opq` empties a directory */
  whiteouts?: boolean;
  /** the directory (relative to dest, '' for dest) that a member's links must stay within */
  topOf?: (path: string) => string;
  /** members that are not written at all */
  skip?: (path: string) => boolean;
}

interface Meta {
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
const asRoot = process.getuid?.() === 0;

export class Extractor {
  private readonly guard: Guard;
  /** directory metadata applied by finish() */
  private readonly dirMeta = new Map<string, Meta>();
  /** paths the current layer wrote: an opaque whiteout keeps these */
  private layer = new Set<string>();

  constructor(
    dest: string,
    private readonly opts: ExtractOptions = {},
  ) {
    this.guard = new Guard(dest);
  }

  /** Writes every member of one archive (one layer, for OCI). */
  async apply(members: AsyncIterable<StreamMember>): Promise<void> {
    this.layer = new Set();
    for await (const m of members) {
      checkAbort(this.opts.signal);
      if (this.opts.skip?.(m.path)) continue;
      try {
        await this.member(m);
      } catch (err) {
        if (err instanceof MusterError) throw err;
        throw new MusterError('IMAGE_IMPORT_FAILED', `cannot unpack '${m.path}': ${(err as Error).message}`, { cause: err });
      }
    }
  }

  /** Applies the directories' modes, owners and times, deepest first. */
  async finish(): Promise<void> {
    const dirs = [...this.dirMeta].sort(([a], [b]) => depth(b) - depth(a));
    for (const [path, meta] of dirs) {
      const st = lstatOrNull(this.guard.abs(path));
      if (st?.isDirectory()) setMeta(this.guard.abs(path), meta, false);
    }
  }

  private async member(m: StreamMember): Promise<void> {
    const base = posix.basename(m.path);
    if (this.opts.whiteouts && base.startsWith(WHITEOUT)) return this.whiteout(m.path, base);
    if (m.pax.has('GNU.sparse.major') || m.pax.has('GNU.sparse.size') || m.type === 'S')
      throw invalid(`member '${m.path}' is a GNU sparse file, which muster does not unpack (repack without --sparse)`);
    if (m.path === '') {
      if (m.type !== '5') throw invalid(`the archive's root member is not a directory`);
      this.dirMeta.set('', m);
      return;
    }
    await this.guard.parents(m.path, true, (dir) => this.layer.add(dir));
    this.layer.add(m.path);
    const at = this.guard.abs(m.path);
    switch (m.type) {
      case '5':
        if (await this.clear(m.path, true)) mkdirSync(at, { mode: 0o700 }); // private until finish() gives it its own mode
        this.dirMeta.set(m.path, m);
        return;
      case '0':
      case '\0':
      case '7':
        await this.clear(m.path, false);
        return writeFile(at, m, this.opts.signal);
      case '1':
        return this.hardLink(m);
      case '2':
        checkSymlink(m.path, m.linkname, this.top(m.path));
        await this.clear(m.path, false);
        symlinkSync(m.linkname, at);
        return setMeta(at, m, true);
      case '3':
      case '4':
      case '6': {
        await this.clear(m.path, false);
        const mode = (m.mode & 0o7777).toString(8);
        const fail = (why: string) => new MusterError('IMAGE_IMPORT_FAILED', `cannot create '${m.path}' (${why})${asRoot ? '' : '; device nodes need root'}`);
        if (m.type === '6') await runTool('mkfifo', ['-m', mode, at], fail, { signal: this.opts.signal });
        else await runTool('mknod', ['-m', mode, at, m.type === '3' ? 'c' : 'b', String(m.devmajor), String(m.devminor)], fail, { signal: this.opts.signal });
        return setMeta(at, m, false);
      }
      default:
        throw invalid(`member '${m.path}' has the unknown type '${m.type}'`);
    }
  }

  private top(path: string): string {
    return this.opts.topOf?.(path) ?? '';
  }

  /** A hard link's target must be a member written before it, inside the same top, not a directory. */
  private async hardLink(m: StreamMember): Promise<void> {
    const target = entryPath(m.linkname, unsafe);
    const top = this.top(m.path);
    if (target === '' || (top !== '' && target !== top && !target.startsWith(`${top}/`)))
      throw unsafe(`hard link '${m.path}' points at '${m.linkname}', outside the image`);
    if (target === m.path) return;
    const st = (await this.guard.parents(target, false)) ? lstatOrNull(this.guard.abs(target)) : null;
    if (st === null) throw unsafe(`hard link '${m.path}' points at '${target}', which the archive does not hold before it`);
    if (st.isDirectory()) throw unsafe(`hard link '${m.path}' points at the directory '${target}'`);
    await this.clear(m.path, false);
    linkSync(this.guard.abs(target), this.guard.abs(m.path));
  }

  /**
   * Makes room for a new member at `path`: a later member replaces an earlier one (tar's and the
   * OCI layers' rule), except that a directory stays a directory. True when nothing is there now.
   */
  private async clear(path: string, dir: boolean): Promise<boolean> {
    const st = lstatOrNull(this.guard.abs(path));
    if (st === null) return true;
    if (dir && st.isDirectory()) return false;
    await rm(this.guard.abs(path), { recursive: true, force: true });
    this.guard.forget(path);
    this.dirMeta.delete(path);
    return true;
  }

  private async whiteout(path: string, base: string): Promise<void> {
    const dir = posix.dirname(path) === '.' ? '' : posix.dirname(path);
    // Nothing below a missing directory to delete; a symlink on the way is refused, never followed.
    if (!(await this.guard.parents(path, false))) return;
    if (base === OPAQUE) return this.opaque(dir);
    const name = base.slice(WHITEOUT.length);
    if (name === '' || name === '.' || name === '..') throw unsafe(`whiteout '${path}' names no entry`);
    if (name.startsWith(WHITEOUT)) return; // aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): no entry of the image
    const gone = dir === '' ? name : `${dir}/${name}`;
    await this.clear(gone, false);
  }

  /** Deletes what lower layers put in `dir`; what this layer wrote there stays. */
  private async opaque(dir: string): Promise<void> {
    const st = lstatOrNull(this.guard.abs(dir));
    if (!st?.isDirectory()) return;
    for (const name of await readdir(this.guard.abs(dir))) {
      const path = dir === '' ? name : `${dir}/${name}`;
      if (!this.layer.has(path)) await this.clear(path, false);
      else if (lstatOrNull(this.guard.abs(path))?.isDirectory()) await this.opaque(path);
    }
  }
}

function depth(path: string): number {
  return path === '' ? 0 : path.split('/').length;
}

const writeAsync = promisify(write);

/**
 * The file's data, written as it arrives, then its owner, mode and times on the open descriptor;
 * created exclusively (clear() removed what was there). Owner first: chown clears setuid and
 * setgid, so the mode comes after it.
 */
async function writeFile(at: string, m: StreamMember, signal?: AbortSignal): Promise<void> {
  const fd = openSync(at, 'wx', 0o600);
  try {
    for await (const chunk of m.data()) {
      checkAbort(signal);
      for (let off = 0; off < chunk.length; ) off += (await writeAsync(fd, chunk, off, chunk.length - off)).bytesWritten;
    }
    if (asRoot) fchownSync(fd, m.uid, m.gid);
    fchmodSync(fd, m.mode & 0o7777);
    futimesSync(fd, m.mtime, m.mtime);
  } finally {
    closeSync(fd);
  }
}

/** Owner first, then mode (see writeFile); a symlink has no mode of its own. */
function setMeta(at: string, m: Meta, isLink: boolean): void {
  if (asRoot) (isLink ? lchownSync : chownSync)(at, m.uid, m.gid);
  if (!isLink) chmodSync(at, m.mode & 0o7777);
  (isLink ? lutimesSync : utimesSync)(at, m.mtime, m.mtime);
}
