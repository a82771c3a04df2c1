/** Import sources of the image library (not a domain of its own: src/images/index.ts exports these). */
export { unpackSource, type UnpackedSource, type UnpackOptions } from './unpack.js';
export { exportCapsule } from './export.js';
export type { UnpackProgress } from './progress.js';
export { copyDirectory } from './dir.js';
