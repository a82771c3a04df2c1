/**
 * Images (VNFS): what other domains use. So far the artifact builder (a root filesystem as a
 * reproducible, streamed, gzip-compressed newc cpio, vnfs.img, written atomically) and the
 * kernel an image boots.
 */
export { writeRootfsImage, copyArtifact, type Artifact } from './image-file.js';
export { rootfsCpio } from './rootfs-cpio.js';
export { findKernel, type ImageKernel } from './kernel.js';
export { resolveInImage } from './in-image.js';
export { ImageSchema, RevisionSchema, listImages, getImage, listRevisions, currentRevision, type Image, type Revision } from './library.js';
export { importImage, reapAbandonedImports, IMPORT_OWNER, type ImportRequest, type ImportProgress, type ImportResult } from './import.js';
export { deleteImage, renameImage, copyImageSource, requireImage, exportImage } from './manage.js';
export { checkImageName, imageDir, revisionDir } from './store.js';
export { unpackSource, exportCapsule, type UnpackedSource, type UnpackOptions, type UnpackProgress } from './sources/index.js';
export { writeSha256Sidecar, readSha256Sidecar, SIDECAR_SUFFIX, type FileIdentity } from './sidecar.js';
export type { CpioOptions } from './rootfs-cpio.js';
export { buildOverlay, overlayPath, OVERLAY_RDINIT } from './overlay.js';
export { buildDiscovery, discoveryDir, resolveBusybox, resolveKernel, type DiscoveryBuilt, type KernelSource } from './discovery.js';
export { bootFiles, type BootFiles } from './boot-files.js';
export { copyNicModules } from './nic-modules.js';
export { isStaticElf } from './busybox.js';
export { unpackDeb } from './deb.js';
export { BOOT_FILE_EVENTS, ensureBootFiles } from './ensure.js';
