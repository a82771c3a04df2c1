/**
 * The entries of an image's root filesystem in archive order: every path below `root`, parents
 * before children, siblings sorted by the bytes of their names — the order alone, never readdir's,
 * decides the archive, so the same tree gives the same bytes. Nothing is followed: a symlink is an
 * entry of its own, and the walk never leaves `root`.
 */
import type { Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface RootfsEntry {
  /** The path inside the image, without a leading slash ('.' is not an entry). */
  path: string;
  /** The file on disk. */
  source: string;
  stat: Stats;
  /** A symlink's target, as stored. */
  target?: string;
}

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Walks `root` depth-first; a directory's entry comes before what it holds. */
export async function* walkRootfs(root: string, below = ''): AsyncGenerator<RootfsEntry> {
  const names = (await readdir(join(root, below))).sort(byBytes);
  const paths = names.map((name) => (below === '' ? name : `${below}/${name}`));
  // A directory's entries are stat'ed together: one lstat at a time is a thread-pool round trip
  // per file, and a distribution root has tens of thousands of them.
  const stats = await Promise.all(paths.map((path) => lstat(join(root, path))));
  for (const [i, path] of paths.entries()) {
    const source = join(root, path);
    const stat = stats[i]!;
    if (stat.isSymbolicLink()) {
      yield { path, source, stat, target: await readlink(source) };
      continue;
    }
    yield { path, source, stat };
    if (stat.isDirectory()) yield* walkRootfs(root, path);
  }
}
