/**
 * Where an image lives on disk (statedir/vnfs/<name>/, the layout Perceus capsules and their
 * nodescripts expect) and the one step that makes a revision current: the top-level `vmlinuz`
 * and `vnfs.img` are symlinks into revisions/<n>/, each replaced by rename, so a reader sees the
 * old file or the new one and a download that opened the old one finishes with it.
 */
import { lstat, mkdir, open, rename, rm, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MusterError } from '../errors.js';
import { isValidLabel } from '../nodes/index.js';

export const ARTIFACTS = ['vmlinuz', 'vnfs.img'] as const;

export function vnfsRoot(statedir: string): string {
  return join(resolve(statedir), 'vnfs');
}

/** Throws IMAGE_NAME_INVALID unless `name` can be a directory under vnfs/ and a node's vnfs. */
export function checkImageName(name: string): string {
  if (!isValidLabel(name)) {
    throw new MusterError(
      'IMAGE_NAME_INVALID',
      `'${name.slice(0, 80)}' is not a VNFS name: start with a letter or digit, then letters, digits, '.', '_' or '-' (at most 64; no '/')`,
    );
  }
  return name;
}

export function imageDir(statedir: string, name: string): string {
  return join(vnfsRoot(statedir), checkImageName(name));
}

export function revisionDir(statedir: string, name: string, revision: number): string {
  return join(imageDir(statedir, name), 'revisions', String(revision));
}

/** A scratch directory on the same filesystem as the images, so its parts can be renamed in. */
export async function makeStaging(statedir: string, id: string): Promise<string> {
  const dir = join(vnfsRoot(statedir), '.staging', id);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}

export async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
}

/** Makes `revision` the one served as statedir/vnfs/<name>/{vmlinuz,vnfs.img}. */
export async function publishRevision(statedir: string, name: string, revision: number): Promise<void> {
  const dir = imageDir(statedir, name);
  for (const file of ARTIFACTS) {
    const tmp = join(dir, `.${file}.link.tmp`);
    await rm(tmp, { force: true });
    await symlink(join('revisions', String(revision), file), tmp);
    await rename(tmp, join(dir, file));
  }
  await syncDir(dir);
}

/** A rename or a new entry is durable once its directory is. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  await handle.sync().finally(() => handle.close());
}
