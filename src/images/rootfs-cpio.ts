/**
 * An image's root filesystem as a newc cpio stream, reproducibly: entries in rootfs-walk's
 * order, inode numbers given in that order (not the disk's), device fields zero, and each hard-link
 * group's data carried by its last member — the convention GNU cpio writes and the kernel's
 * initramfs unpacker reads (it opens later links without truncating). File contents are streamed;
 * only the entries' metadata is held. What newc cannot carry (xattrs, ACLs, sub-second times) is
 * not in the archive.
 */
import { createReadStream } from 'node:fs';
import { dataPadding, encodeHeader, encodeTrailer, splitDev, type NewcHeader } from './newc.js';
import { walkRootfs, type RootfsEntry } from './rootfs-walk.js';

export interface CpioOptions {
  /**
   * Every entry owned by root with mtime 0: for muster's own boot files, built from a staging
   * tree that the daemon's user owns, which the node must see as root's.
   */
  asRoot?: boolean;
}

interface Planned {
  entry: RootfsEntry;
  header: NewcHeader;
}

/** Inode numbers and hard-link groups, in archive order. */
async function plan(root: string, opts: CpioOptions): Promise<Planned[]> {
  const entries: RootfsEntry[] = [];
  for await (const e of walkRootfs(root)) entries.push(e);
  // Hard links inside the tree: regular files sharing (dev, ino); links outside do not count.
  // Inode numbers are handed out in archive order, one per group.
  const linkKey = (e: RootfsEntry): string | null => (e.stat.isFile() && e.stat.nlink > 1 ? `${e.stat.dev}:${e.stat.ino}` : null);
  const groups = new Map<string, { ino: number; last: number; members: number }>();
  let next = 1;
  const inos = entries.map((e, i) => {
    const key = linkKey(e);
    if (key === null) return next++;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ino: next++, last: i, members: 0 }));
    g.last = i;
    g.members++;
    return g.ino;
  });
  return entries.map((entry, i) => {
    const { stat } = entry;
    const key = linkKey(entry);
    const group = key === null ? undefined : groups.get(key);
    // Only the last link of a group (or a lone file) carries the data.
    const carriesData = group === undefined || group.last === i;
    const device = stat.isCharacterDevice() || stat.isBlockDevice() ? splitDev(stat.rdev) : { major: 0, minor: 0 };
    const size = entry.target !== undefined ? Buffer.byteLength(entry.target) : stat.isFile() && carriesData ? stat.size : 0;
    const header: NewcHeader = {
      ino: inos[i]!,
      mode: stat.mode,
      uid: opts.asRoot ? 0 : stat.uid,
      gid: opts.asRoot ? 0 : stat.gid,
      nlink: stat.isDirectory() ? 2 : (group?.members ?? 1),
      mtime: opts.asRoot ? 0 : Math.floor(stat.mtimeMs / 1000),
      size,
      rdevMajor: device.major,
      rdevMinor: device.minor,
    };
    return { entry, header };
  });
}

/** A file's bytes, exactly `size` of them: a file that changes while the image is built is an error. */
async function* fileData(source: string, size: number): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of createReadStream(source, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    seen += chunk.length;
    if (seen > size) break;
    yield chunk;
  }
  if (seen !== size) throw new Error(`${source} changed size while the image was built (${size} bytes at the start, ${seen} read)`);
}

/** The cpio archive of `root`, chunk by chunk. */
export async function* rootfsCpio(root: string, opts: CpioOptions = {}): AsyncGenerator<Buffer> {
  for (const { entry, header } of await plan(root, opts)) {
    yield encodeHeader(entry.path, header);
    if (entry.target !== undefined) yield Buffer.from(entry.target);
    else if (header.size > 0) yield* fileData(entry.source, header.size);
    yield dataPadding(header.size);
  }
  yield encodeTrailer();
}
