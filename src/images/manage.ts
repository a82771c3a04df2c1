/**
 * delete, rename and clone: the image's directory and its records change together. The
 * database decides first (a refusal leaves the disk untouched); the directory follows, and a
 * failed rename is undone in the database.
 */
import { cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UNIQUE_VIOLATION, sqlState, type Db } from '../db/index.js';
import { MusterError } from '../errors.js';
import { linkCapsuleScripts, unlinkCapsuleScripts } from './capsule-links.js';
import { getImage, type Image } from './library.js';
import { bootingRevisions } from './prune.js';
import { copyDirectory, exportCapsule } from './sources/index.js';
import { ARTIFACTS, checkImageName, exists, imageDir } from './store.js';

export async function requireImage(db: Db, name: string): Promise<Image> {
  const image = await getImage(db, checkImageName(name));
  if (image === null)
    throw new MusterError('IMAGE_NOT_FOUND', `VNFS '${name}' does not exist (muster vnfs list shows the images; muster vnfs import SRC ${name} makes it)`);
  return image;
}

/** Refused while nodes are set to it (unless `force`) and always while one is booting it. */
export async function deleteImage(db: Db, statedir: string, name: string, force: boolean): Promise<Image> {
  const image = await requireImage(db, name);
  const booting = await bootingRevisions(db, name);
  if (booting.length > 0) {
    throw new MusterError('IMAGE_IN_USE', `VNFS '${name}' is being booted by a node right now (revision ${booting.join(', ')}); try again once it is up`);
  }
  if (image.nodes > 0 && !force) {
    throw new MusterError(
      'IMAGE_IN_USE',
      `VNFS '${name}' is the vnfs of ${image.nodes} node(s); set them to another (muster node set vnfs …) or delete with -y`,
    );
  }
  const { rowCount } = await db.query(
    `DELETE FROM images WHERE name = $1 AND NOT EXISTS (SELECT 1 FROM image_revisions WHERE name = $1 AND state = 'importing')`,
    [name],
  );
  if (rowCount === 0) throw new MusterError('IMAGE_BUSY', `VNFS '${name}' is being imported or rebuilt; delete it when that has finished`);
  await unlinkCapsuleScripts(statedir, name);
  await rm(imageDir(statedir, name), { recursive: true, force: true });
  return image;
}

/** Nodes set to the old name follow it. */
export async function renameImage(db: Db, statedir: string, from: string, to: string): Promise<void> {
  await requireImage(db, from);
  checkImageName(to);
  if (await exists(imageDir(statedir, to))) throw new MusterError('IMAGE_EXISTS', `${imageDir(statedir, to)} exists already; choose another name`);
  try {
    await db.tx(async (q) => {
      await q.query(`UPDATE images SET name = $2, updated_at = now() WHERE name = $1`, [from, to]);
      await q.query(`UPDATE nodes SET vnfs = $2, updated_at = now() WHERE vnfs = $1`, [from, to]);
    });
  } catch (err) {
    if (sqlState(err) === UNIQUE_VIOLATION) throw new MusterError('IMAGE_EXISTS', `VNFS '${to}' exists already`, { cause: err });
    throw err;
  }
  await unlinkCapsuleScripts(statedir, from);
  try {
    await rename(imageDir(statedir, from), imageDir(statedir, to));
  } catch (err) {
    await db.tx(async (q) => {
      await q.query(`UPDATE images SET name = $1 WHERE name = $2`, [from, to]);
      await q.query(`UPDATE nodes SET vnfs = $1 WHERE vnfs = $2`, [from, to]);
    });
    await linkCapsuleScripts(statedir, from);
    throw err;
  }
  await linkCapsuleScripts(statedir, to);
}

/**
 * A copy of the image's source (rootfs, config, capsule files — not its revisions) under a new
 * name, as Perceus's clone; the caller then builds it (a rebuild of the new name).
 */
export async function copyImageSource(db: Db, statedir: string, from: string, to: string): Promise<void> {
  await requireImage(db, from);
  checkImageName(to);
  if ((await getImage(db, to)) !== null || (await exists(imageDir(statedir, to))))
    throw new MusterError('IMAGE_EXISTS', `VNFS '${to}' exists already; choose another name`);
  const src = imageDir(statedir, from);
  const dest = imageDir(statedir, to);
  const skip = new Set<string>(['revisions', 'rootfs', ...ARTIFACTS]);
  try {
    await mkdir(dest, { recursive: true });
    // The rootfs as an import copies a directory (owners, devices, hard links kept).
    await copyDirectory(join(src, 'rootfs'), dest, join(dest, 'rootfs'));
    for (const entry of await readdir(src)) {
      if (skip.has(entry) || entry.startsWith('.')) continue;
      await cp(join(src, entry), join(dest, entry), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, errorOnExist: true });
    }
  } catch (err) {
    await rm(dest, { recursive: true, force: true });
    throw err;
  }
}

/** `vnfs export`: the image's source as a Perceus capsule at `file` (on the master). */
export async function exportImage(statedir: string, name: string, file: string): Promise<{ file: string; size: number }> {
  await exportCapsule(imageDir(statedir, name), file);
  return { file, size: (await stat(file)).size };
}
