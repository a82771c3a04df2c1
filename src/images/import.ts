/**
 * Import and rebuild: a source becomes a new revision of an image. The steps run in a staging
 * directory beside the images (unpack, find the kernel, build vmlinuz and vnfs.img); only then
 * are the rootfs and the revision moved in and the top-level links switched, and only after that
 * does the database call the revision current. A failure or a cancel at any step before leaves
 * the previous revision serving and removes what the import wrote.
 */
import { hostname } from 'node:os';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Db } from '../db/index.js';
import { isMusterError, MusterError } from '../errors.js';
import { linkCapsuleScripts } from './capsule-links.js';
import { copyArtifact, writeRootfsImage } from './image-file.js';
import { findKernel } from './kernel.js';
import { beginRevision, completeRevision, currentRevision, dropRevision, failRevision, importingRevisions, type Revision } from './library.js';
import { pruneRevisions } from './prune.js';
import { unpackSource, type UnpackedSource } from './sources/index.js';
import { checkImageName, exists, imageDir, makeStaging, publishRevision, syncDir } from './store.js';

/** What was unpacked; a rebuild unpacks nothing and builds from the image's own rootfs. */
type Unpacked = Omit<UnpackedSource, 'kind'> & { kind: UnpackedSource['kind'] | 'rebuild' };

export interface ImportProgress {
  phase: 'unpack' | 'build';
  done: number;
  total?: number | undefined;
}

export interface ImportRequest {
  name: string;
  /** a path on the master: directory, tarball, OCI archive or capsule; null = rebuild from the image's rootfs */
  source: string | null;
  /** the kernel's path inside the image, instead of the newest /boot/vmlinuz-* */
  kernel?: string | undefined;
  /** the image directory was made for this import (a clone): a failed first build removes it */
  madeDir?: boolean | undefined;
}

export interface ImportDeps {
  db: Db;
  statedir: string;
}

export interface ImportOptions {
  signal?: AbortSignal | undefined;
  onProgress?: ((p: ImportProgress) => void) | undefined;
}

export interface ImportResult {
  name: string;
  revision: Revision;
  /** the built artifacts equal the current revision's: no new revision was made */
  unchanged: boolean;
}

/** This daemon, as recorded on the revisions it is importing. */
export const IMPORT_OWNER = `${hostname()}:${process.pid}`;

export async function importImage(deps: ImportDeps, req: ImportRequest, opts: ImportOptions = {}): Promise<ImportResult> {
  const name = checkImageName(req.name);
  const dir = imageDir(deps.statedir, name);
  const source = req.source ?? join(dir, 'rootfs');
  if (req.source === null && !(await exists(source))) throw new MusterError('IMAGE_NOT_FOUND', `VNFS '${name}' has no rootfs to rebuild (${source})`);
  await stat(source).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new MusterError('IMAGE_SOURCE_NOT_FOUND', `${source} does not exist`);
    throw new MusterError('IMAGE_SOURCE_INVALID', `cannot read ${source}: ${err.code ?? err.message}`);
  });
  // A directory that was there before (a hand-placed Perceus VNFS) is never removed by a failure.
  const removable = req.madeDir === true || !(await exists(dir));
  const revision = await beginRevision(deps.db, { name, source, kind: req.source === null ? 'rebuild' : 'import', owner: IMPORT_OWNER });
  const staging = await makeStaging(deps.statedir, `${name}.${revision}`);
  let published = false;
  try {
    const unpacked: Unpacked =
      req.source === null
        ? { kind: 'rebuild', nodescriptStates: [] }
        : await unpackSource(source, staging, { signal: opts.signal, onProgress: opts.onProgress });
    // Kernel arguments go on an iPXE line: a newline there would start another command.
    if (unpacked.kernelArgs !== undefined && /[\x00-\x1f\x7f]/.test(unpacked.kernelArgs)) {
      throw new MusterError('IMAGE_SOURCE_INVALID', `KERNEL_ARGS in the capsule's config holds a control character; give the arguments on one line`);
    }
    const rootfs = req.source === null ? source : join(staging, 'rootfs');
    const kernel = await findKernel(rootfs, req.kernel ?? unpacked.kernel);
    const out = join(staging, 'out');
    await mkdir(out);
    const vmlinuz = await copyArtifact(kernel.file, join(out, 'vmlinuz'), opts.signal).catch(buildFailed('vmlinuz'));
    const image = await writeRootfsImage(rootfs, join(out, 'vnfs.img'), {
      signal: opts.signal,
      onBytes: (done) => opts.onProgress?.({ phase: 'build', done }),
    }).catch(buildFailed('vnfs.img'));
    const built = {
      kind: unpacked.kind,
      kernelVersion: kernel.version,
      kernelArgs: unpacked.kernelArgs ?? '',
      kernelSha256: vmlinuz.sha256,
      kernelSize: vmlinuz.size,
      imageSha256: image.sha256,
      imageSize: image.size,
    };
    const current = await currentRevision(deps.db, name);
    if (current && current.imageSha256 === built.imageSha256 && current.kernelSha256 === built.kernelSha256 && current.kernelArgs === built.kernelArgs) {
      await dropRevision(deps.db, name, revision);
      return { name, revision: current, unchanged: true };
    }
    opts.signal?.throwIfAborted();
    await moveIn(deps.statedir, name, staging, revision, req.source === null ? null : unpacked, relative(rootfs, kernel.file));
    await publishRevision(deps.statedir, name, revision);
    published = true;
    await completeRevision(deps.db, name, revision, built);
    await pruneRevisions(deps.db, deps.statedir, name);
    const done = await currentRevision(deps.db, name);
    return { name, revision: done!, unchanged: false };
  } catch (err) {
    const why = opts.signal?.aborted ? new MusterError('IMAGE_IMPORT_ABORTED', `import of VNFS '${name}' cancelled; nothing changed`) : err;
    if (!published) await rm(join(dir, 'revisions', String(revision)), { recursive: true, force: true });
    await failRevision(deps.db, name, revision, isMusterError(why) ? why.message : String(why));
    if (removable && !(await currentRevision(deps.db, name))) await rm(dir, { recursive: true, force: true });
    throw why;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function buildFailed(what: string): (err: NodeJS.ErrnoException) => never {
  return (err) => {
    if (err.name === 'AbortError') throw err;
    const hint = err.code === 'ENOSPC' ? ' (the disk holding the statedir is full)' : '';
    throw new MusterError('IMAGE_IMPORT_FAILED', `cannot write ${what}: ${err.code ?? err.message}${hint}`, { cause: err });
  };
}

/**
 * The staged revision and (for an import) the new rootfs and capsule files go into the image
 * directory. The old rootfs is renamed aside before the new one is renamed in, and removed after.
 */
async function moveIn(statedir: string, name: string, staging: string, revision: number, unpacked: Unpacked | null, kernelPath: string): Promise<void> {
  const dir = imageDir(statedir, name);
  await mkdir(join(dir, 'revisions'), { recursive: true });
  await rename(join(staging, 'out'), join(dir, 'revisions', String(revision)));
  if (unpacked === null) {
    // A rebuild of a clone: its capsule nodescripts are linked under its own name.
    await linkCapsuleScripts(statedir, name);
    return syncDir(join(dir, 'revisions'));
  }
  if (await exists(join(dir, 'rootfs'))) await rename(join(dir, 'rootfs'), join(staging, 'old-rootfs'));
  await rename(join(staging, 'rootfs'), join(dir, 'rootfs'));
  if (unpacked.kind === 'capsule') {
    // What a capsule holds beside its rootfs: config, nodescripts/, hooks (staging's own names start with '.' or are ours).
    const capsuleFiles = (await readdir(staging)).filter((e) => !e.startsWith('.') && !['rootfs', 'out', 'old-rootfs'].includes(e));
    for (const entry of capsuleFiles) {
      await rm(join(dir, entry), { recursive: true, force: true });
      await rename(join(staging, entry), join(dir, entry));
    }
    await linkCapsuleScripts(statedir, name);
  } else {
    // Perceus capsule nodescripts read KERNEL from the image's config.
    const sh = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
    await writeFile(join(dir, 'config'), `# written by muster vnfs import\nKERNEL=${sh('/' + kernelPath)}\nKERNEL_ARGS=${sh(unpacked.kernelArgs ?? '')}\n`);
  }
  await syncDir(dir);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * At start: imports that a daemon on this host was running when it died are marked failed (and
 * their staging removed), so the name can be imported again. Another host's are left to it.
 */
export async function reapAbandonedImports(deps: ImportDeps): Promise<number> {
  let reaped = 0;
  for (const r of await importingRevisions(deps.db)) {
    const [host, pid] = r.owner.split(':');
    if (host !== hostname() || r.owner === IMPORT_OWNER || alive(Number(pid))) continue;
    await failRevision(deps.db, r.name, r.revision, `abandoned: the daemon importing it (${r.owner}) stopped`);
    await rm(join(deps.statedir, 'vnfs', '.staging', `${r.name}.${r.revision}`), { recursive: true, force: true });
    reaped++;
  }
  return reaped;
}
