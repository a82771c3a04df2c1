/**
 * `unpackSource`: whatever an admin imports from — a directory, a tarball, an OCI image archive or
 * a Perceus capsule — as an image root tree in `<staging>/rootfs` (and, for a capsule, its other
 * files beside it). The kind is told by what the source is: a directory (an OCI layout directory
 * counts as OCI), a `.vnfs` file (a capsule, the name Perceus insists on), else a tarball, which
 * is an OCI archive when what it unpacks to is one (docker save writes its manifest last, so only
 * the whole archive tells). On any error the caller removes staging; nothing is written outside it.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MusterError } from '../../errors.js';
import { unpackArchive } from './archive.js';
import { unpackCapsule } from './capsule.js';
import { copyDirectory } from './dir.js';
import { checkAbort, invalid } from './errors.js';
import { Extractor } from './extract.js';
import { applyLayers } from './layers.js';
import { isOciArchive } from './oci.js';
import { Progress, type UnpackProgress } from './progress.js';

export interface UnpackedSource {
  kind: 'dir' | 'tar' | 'oci' | 'capsule';
  /** KERNEL from a capsule's config: a path inside rootfs */
  kernel?: string;
  /** KERNEL_ARGS from a capsule's config */
  kernelArgs?: string;
  /** states that have capsule nodescripts (nodescripts/<state>/ in staging) */
  nodescriptStates: string[];
}

export interface UnpackOptions {
  signal?: AbortSignal;
  onProgress?: (p: UnpackProgress) => void;
}

export async function unpackSource(src: string, staging: string, opts: UnpackOptions = {}): Promise<UnpackedSource> {
  const st = await stat(src).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new MusterError('IMAGE_SOURCE_NOT_FOUND', `${src} does not exist`);
    throw err;
  });
  checkAbort(opts.signal);
  await mkdir(staging, { recursive: true });
  const rootfs = join(staging, 'rootfs');
  const none = { nodescriptStates: [] };
  if (st.isDirectory()) {
    if (isOciArchive(src)) {
      await mkdir(rootfs);
      await applyLayers(src, rootfs, opts);
      return { kind: 'oci', ...none };
    }
    // cp tells nothing of its progress: a directory import reports none.
    await copyDirectory(src, staging, rootfs, opts.signal);
    return { kind: 'dir', ...none };
  }
  if (!st.isFile()) throw invalid(`${src} is neither a directory nor an archive file`);
  const progress = new Progress(st.size, opts.onProgress);
  const onRaw = (c: Buffer) => progress.add(c.length);
  if (src.endsWith('.vnfs')) {
    const capsule = await unpackCapsule(src, staging, { signal: opts.signal, onRaw });
    progress.end();
    return { kind: 'capsule', ...capsule };
  }
  await mkdir(rootfs);
  const into = new Extractor(rootfs, { signal: opts.signal });
  await unpackArchive(src, into, { signal: opts.signal, onRaw });
  await into.finish();
  progress.end();
  if (!isOciArchive(rootfs)) return { kind: 'tar', ...none };
  // The tarball was an image archive: its layers, applied, become the root tree.
  const archive = join(staging, '.oci-archive');
  await rename(rootfs, archive);
  await mkdir(rootfs);
  await applyLayers(archive, rootfs, opts);
  await rm(archive, { recursive: true, force: true });
  return { kind: 'oci', ...none };
}
