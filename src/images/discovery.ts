/**
 * muster's discovery boot files, statedir/bootenvs/discovery/{vmlinuz,initrd.img}: a kernel, its
 * network driver modules and busybox with an /init that brings up DHCP, fetches provisiond from
 * the master, runs init (an unknown node is registered there) and reboots into the node's
 * bootenv. The kernel comes from `--kernel PATH` (its modules from /lib/modules/<version>), a
 * Debian linux-image .deb, an imported VNFS's rootfs, or the newest /boot/vmlinuz-* of the master.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isMusterError, MusterError } from '../errors.js';
import { isValidLabel } from '../nodes/index.js';
import { busyboxInDeb, findBusybox } from './busybox.js';
import { unpackDeb } from './deb.js';
import { copyArtifact, type Artifact } from './image-file.js';
import { findKernel } from './kernel.js';
import { copyNicModules } from './nic-modules.js';
import { buildInitramfs } from './node-files.js';

export const discoveryDir = (statedir: string): string => join(statedir, 'bootenvs', 'discovery');
export const DISCOVERY_FILES = ['vmlinuz', 'initrd.img'] as const;

/** Where the kernel comes from: at most one of these (none: the master's own /boot). */
export interface KernelSource {
  kernel?: string;
  kernelDeb?: string;
  fromVnfs?: string;
}

interface Resolved {
  /** The file, and where it was found (for messages). */
  file: string;
  from: string;
  cleanup: () => Promise<void>;
}

interface ResolvedKernel extends Resolved {
  version: string;
  modulesDir: string;
}

const nothing = async () => undefined;

/** A kernel (in a root tree) and its module tree. */
async function kernelIn(root: string, from: string, cleanup: () => Promise<void>): Promise<ResolvedKernel> {
  try {
    const k = await findKernel(root);
    if (k.version === null) throw new MusterError('IMAGE_KERNEL_NOT_FOUND', `${from}: the kernel's file name carries no version`);
    return { file: k.file, from, version: k.version, modulesDir: join(root, 'lib', 'modules', k.version), cleanup };
  } catch (err) {
    await cleanup();
    if (isMusterError(err) && err.code === 'IMAGE_KERNEL_NOT_FOUND' && !err.message.startsWith(from)) {
      throw new MusterError('IMAGE_KERNEL_NOT_FOUND', `${from}: no /boot/vmlinuz-<version> there`, { cause: err });
    }
    throw err;
  }
}

export async function resolveKernel(src: KernelSource, statedir: string): Promise<ResolvedKernel> {
  const given = [src.kernel, src.kernelDeb, src.fromVnfs].filter((s) => s !== undefined);
  if (given.length > 1) throw new MusterError('REQUEST_INVALID', 'give one of --kernel, --kernel-deb and --from-vnfs');
  if (src.kernel !== undefined) {
    if (
      !(await stat(src.kernel).then(
        (s) => s.isFile(),
        () => false,
      ))
    )
      throw new MusterError('IMAGE_KERNEL_NOT_FOUND', `--kernel ${src.kernel}: no such file`);
    const m = /^vmlinuz-(.+)$/.exec(basename(src.kernel));
    if (!m)
      throw new MusterError('IMAGE_KERNEL_NOT_FOUND', `--kernel ${src.kernel}: name it vmlinuz-<version> so its modules (/lib/modules/<version>) can be found`);
    return { file: src.kernel, from: `--kernel ${src.kernel}`, version: m[1]!, modulesDir: join('/lib/modules', m[1]!), cleanup: nothing };
  }
  if (src.kernelDeb !== undefined) {
    const dir = await unpackDeb(src.kernelDeb);
    return kernelIn(dir, `--kernel-deb ${src.kernelDeb}`, () => rm(dir, { recursive: true, force: true }));
  }
  if (src.fromVnfs !== undefined) {
    if (!isValidLabel(src.fromVnfs)) throw new MusterError('NAME_INVALID', `--from-vnfs '${src.fromVnfs}' is not a VNFS name`);
    return kernelIn(join(statedir, 'vnfs', src.fromVnfs, 'rootfs'), `VNFS ${src.fromVnfs}`, nothing);
  }
  return kernelIn('/', "the master's /boot (give --kernel, --kernel-deb or --from-vnfs)", nothing);
}

/** `--busybox` names a static busybox or a busybox-static .deb; else the master's /bin/busybox. */
export async function resolveBusybox(busybox?: string): Promise<Resolved> {
  if (busybox?.endsWith('.deb')) {
    const dir = await unpackDeb(busybox);
    const cleanup = () => rm(dir, { recursive: true, force: true });
    try {
      return { file: await findBusybox(busyboxInDeb(dir)), from: busybox, cleanup };
    } catch (err) {
      await cleanup();
      throw new MusterError('IMAGE_BUSYBOX_NOT_FOUND', `--busybox ${busybox}: no static /bin/busybox in it (use Debian's busybox-static)`, { cause: err });
    }
  }
  const file = await findBusybox(busybox);
  return { file, from: busybox ?? file, cleanup: nothing };
}

export interface DiscoveryBuilt {
  kernelVersion: string;
  kernelFrom: string;
  modules: number;
  vmlinuz: Artifact;
  initrd: Artifact;
}

/** Builds the discovery files into statedir/bootenvs/discovery/, each atomically (initrd first, then the kernel). */
export async function buildDiscovery(statedir: string, src: KernelSource, busybox: string): Promise<DiscoveryBuilt> {
  const k = await resolveKernel(src, statedir);
  try {
    const dir = discoveryDir(statedir);
    await mkdir(dir, { recursive: true });
    let modules = 0;
    const initrd = await buildInitramfs(join(dir, 'initrd.img'), busybox, [['discovery-init.sh', 'init', 0o755]], async (staging) => {
      const has = await stat(k.modulesDir).then(
        (s) => s.isDirectory(),
        () => false,
      );
      if (!has) throw new MusterError('IMAGE_KERNEL_NOT_FOUND', `${k.from}: kernel ${k.version} has no modules at ${k.modulesDir}`);
      modules = await copyNicModules(k.modulesDir, join(staging, 'lib', 'modules', k.version));
    });
    const vmlinuz = await copyArtifact(k.file, join(dir, 'vmlinuz'));
    return { kernelVersion: k.version, kernelFrom: k.from, modules, vmlinuz, initrd };
  } finally {
    await k.cleanup();
  }
}
