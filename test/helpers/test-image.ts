/**
 * A bootable test VNFS built from two Debian packages that CI downloads (apt-get download) into
 * the folder named by MUSTER_TEST_DEBS: busybox-static and a linux-image kernel. The image is
 * busybox, the kernel in /boot, its virtio NIC modules (with modules.dep/alias, as depmod leaves
 * them) and an /sbin/init that prints MARKER on the console and stays up, packed as an OCI
 * (docker save) archive that the tests import with `muster vnfs import`.
 */
import { chmod, mkdir, readdir, rename, rm, symlink, writeFile, copyFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { copyNicModules, findKernel, unpackDeb } from '../../src/images/index.js';
import { buildOciArchive } from './image-sources.js';

export const DEBS_ENV = 'MUSTER_TEST_DEBS';
export const MARKER = 'MUSTER-TEST-IMAGE init is up';

export interface TestDebs {
  kernelDeb: string;
  busyboxDeb: string;
}

/** The two .debs, or what is missing (for requireOrSkip). */
export async function testDebs(): Promise<TestDebs | string> {
  const dir = process.env[DEBS_ENV];
  if (!dir) return `${DEBS_ENV} is not set (a folder with busybox-static_*.deb and linux-image-*-amd64_*.deb: .ci/run downloads them)`;
  const names = await readdir(dir).catch(() => [] as string[]);
  const kernel = names.find((n) => /^linux-image-\d.*\.deb$/.test(n));
  const busybox = names.find((n) => /^busybox-static_.*\.deb$/.test(n));
  if (!kernel || !busybox)
    return `${DEBS_ENV}=${dir} lacks ${[kernel ? '' : 'linux-image-*.deb', busybox ? '' : 'busybox-static_*.deb'].filter(Boolean).join(' and ')}`;
  return { kernelDeb: join(dir, kernel), busyboxDeb: join(dir, busybox) };
}

/** A .deb unpacked once per machine into tmpdir (renamed into place, so parallel files agree). */
export async function unpackedDeb(deb: string): Promise<string> {
  const dir = join(tmpdir(), 'muster-test-debs', basename(deb, '.deb'));
  if (
    await access(dir).then(
      () => true,
      () => false,
    )
  )
    return dir;
  await mkdir(join(tmpdir(), 'muster-test-debs'), { recursive: true });
  const fresh = await unpackDeb(deb, join(tmpdir(), 'muster-test-debs'));
  await rename(fresh, dir).catch(async () => rm(fresh, { recursive: true, force: true }));
  return dir;
}

/** Builds the image tree at `root`. */
export async function buildTestImage(root: string, debs: TestDebs): Promise<void> {
  const kernelRoot = await unpackedDeb(debs.kernelDeb);
  const busybox = join(await unpackedDeb(debs.busyboxDeb), 'bin', 'busybox');
  const kernel = await findKernel(kernelRoot);
  for (const d of ['bin', 'sbin', 'boot', 'proc', 'sys', 'dev', 'tmp', 'etc']) await mkdir(join(root, d), { recursive: true });
  await copyFile(busybox, join(root, 'bin', 'busybox'));
  await chmod(join(root, 'bin', 'busybox'), 0o755);
  await symlink('busybox', join(root, 'bin', 'sh'));
  await copyFile(kernel.file, join(root, 'boot', `vmlinuz-${kernel.version}`));
  await copyNicModules(join(kernelRoot, 'lib', 'modules', kernel.version!), join(root, 'lib', 'modules', kernel.version!), ['virtio_net', 'virtio_pci']);
  await writeFile(join(root, 'sbin', 'init'), `#!/bin/busybox sh\necho "${MARKER} (pid $$)"\nwhile :; do /bin/busybox sleep 3600; done\n`, { mode: 0o755 });
}

/**
 * The image as an admin would bring it: a `docker save` archive of two layers, the second
 * deleting a file of the first with a whiteout, so an import proves layer order and whiteouts.
 */
export async function buildTestOciArchive(work: string, debs: TestDebs, file: string): Promise<void> {
  const base = join(work, 'layer-base');
  const top = join(work, 'layer-top');
  await buildTestImage(base, debs);
  await writeFile(join(base, 'etc', 'removed-by-layer-2'), 'a lower layer file\n');
  await mkdir(join(top, 'etc'), { recursive: true });
  await writeFile(join(top, 'etc', '.wh.removed-by-layer-2'), '');
  await writeFile(join(top, 'etc', 'hostname'), 'testimg\n');
  await buildOciArchive(work, [{ root: base }, { root: top }], file, { layout: 'docker' });
  await rm(base, { recursive: true, force: true });
  await rm(top, { recursive: true, force: true });
}
