/**
 * An image's root filesystem as a newc cpio stream, reproducibly: entries in rootfs-walk's
 * order, inode numbers given in that order (not the disk's), device fields zero, and each hard-link
 * group's data carried by its last member — the convention GNU cpio writes and the kernel's
 * initramfs unpacker reads (it opens later links without truncating). File contents are streamed;
 * only the entries' metadata is held. What newc cannot carry (xattrs, ACLs, sub-second times) is
 * not in the archive.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
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

const changed = (source: string, size: number, seen: number): Error =>
  new Error(`${source} changed size while the image was built (${size} bytes at the start, ${seen} read)`);

/** A file's bytes, exactly `size` of them: a file that changes while the image is built is an error. */
async function* fileData(source: string, size: number): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of createReadStream(source, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    seen += chunk.length;
    if (seen > size) break;
    yield chunk;
  }
  if (seen !== size) throw changed(source, size, seen);
}

/** Files up to this size are read whole, ahead of the archive, several at once. */
const SMALL_FILE = 256 * 1024;
/** How many entries ahead small files are read: enough to keep the thread pool busy. */
const READ_AHEAD = 64;

/** A small file in one read (one byte more is asked for, to see it grew). */
async function smallFile(source: string, size: number): Promise<Buffer> {
  const fh = await open(source, 'r');
  try {
    const buf = Buffer.allocUnsafe(size + 1);
    let seen = 0;
    for (let n = -1; n !== 0 && seen <= size; seen += n) n = (await fh.read(buf, seen, size + 1 - seen, seen)).bytesRead;
    if (seen !== size) throw changed(source, size, seen);
    return buf.subarray(0, size);
  } finally {
    await fh.close();
  }
}

/**
 * The cpio archive of `root`, chunk by chunk. Small files' contents are read while earlier
 * entries are still being compressed and written (one read at a time is a thread-pool round
 * trip per file and leaves the disk idle); large files stream.
 */
export async function* rootfsCpio(root: string, opts: CpioOptions = {}): AsyncGenerator<Buffer> {
  const planned = await plan(root, opts);
  const ahead = new Map<number, Promise<Buffer>>();
  let next = 0;
  for (const [i, { entry, header }] of planned.entries()) {
    for (; next < planned.length && next <= i + READ_AHEAD; next++) {
      const p = planned[next]!;
      if (p.entry.target !== undefined || p.header.size === 0 || p.header.size > SMALL_FILE) continue;
      const read = smallFile(p.entry.source, p.header.size);
      read.catch(() => undefined); // seen when its turn comes; not an unhandled rejection before that
      ahead.set(next, read);
    }
    yield encodeHeader(entry.path, header);
    const read = ahead.get(i);
    ahead.delete(i);
    if (entry.target !== undefined) yield Buffer.from(entry.target);
    else if (read) yield await read;
    else if (header.size > 0) yield* fileData(entry.source, header.size);
    yield dataPadding(header.size);
  }
  yield encodeTrailer();
}
