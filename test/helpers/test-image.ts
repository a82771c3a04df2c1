/**
 * A bootable test VNFS built from two Debian packages that CI downloads (apt-get download) into
 * the folder named by MUSTER_TEST_DEBS: busybox-static and a linux-image kernel. The image is
 * busybox, the kernel in /boot, its virtio NIC modules (with modules.dep/alias, as depmod leaves
 * them) and an /sbin/init that prints MARKER on the console and stays up. installTestVnfs lays
 * it out as the store does: statedir/vnfs/<name>/{rootfs, revisions/1/{vmlinuz,vnfs.img}} and
 * the two links to the current revision.
 */
import { chmod, mkdir, readdir, rename, rm, symlink, writeFile, copyFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { copyArtifact, copyNicModules, findKernel, unpackDeb, writeRootfsImage } from '../../src/images/index.js';

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

/** Builds the image as VNFS `name`, revision 1, in statedir's store layout. */
export async function installTestVnfs(statedir: string, name: string, debs: TestDebs): Promise<void> {
  const home = join(statedir, 'vnfs', name);
  const rev = join(home, 'revisions', '1');
  await mkdir(rev, { recursive: true });
  await buildTestImage(join(home, 'rootfs'), debs);
  await copyArtifact((await findKernel(join(home, 'rootfs'))).file, join(rev, 'vmlinuz'));
  await writeRootfsImage(join(home, 'rootfs'), join(rev, 'vnfs.img'));
  await symlink('revisions/1/vmlinuz', join(home, 'vmlinuz'));
  await symlink('revisions/1/vnfs.img', join(home, 'vnfs.img'));
}
