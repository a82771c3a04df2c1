/**
 * Images (VNFS): what other domains use. So far the artifact builder (a root filesystem as a
 * reproducible, streamed, gzip-compressed newc cpio, vnfs.img, written atomically) and the
 * kernel an image boots.
 */
export { writeRootfsImage, type Artifact } from './image-file.js';
export { rootfsCpio } from './rootfs-cpio.js';
export { findKernel, type ImageKernel } from './kernel.js';
export { resolveInImage } from './in-image.js';
export { copyArtifact } from './image-file.js';
export type { CpioOptions } from './rootfs-cpio.js';
export { buildOverlay, overlayPath, OVERLAY_RDINIT } from './overlay.js';
export { buildDiscovery, discoveryDir, resolveBusybox, resolveKernel, type DiscoveryBuilt, type KernelSource } from './discovery.js';
export { bootFiles, servedRevision, type BootFiles } from './boot-files.js';
export { copyNicModules } from './nic-modules.js';
export { isStaticElf } from './busybox.js';
export { unpackDeb } from './deb.js';
export { BOOT_FILE_EVENTS, ensureBootFiles } from './ensure.js';
