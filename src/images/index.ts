/**
 * Images (VNFS): what other domains use. So far the artifact builder (a root filesystem as a
 * reproducible, streamed, gzip-compressed newc cpio, vnfs.img, written atomically) and the
 * kernel an image boots.
 */
export { writeRootfsImage, type Artifact } from './image-file.js';
export { rootfsCpio } from './rootfs-cpio.js';
export { findKernel, type ImageKernel } from './kernel.js';
export { resolveInImage } from './in-image.js';
export { writeSha256Sidecar, readSha256Sidecar, SIDECAR_SUFFIX, type FileIdentity } from './sidecar.js';
