/**
 * Images: serving a boot storm (muster against nginx) and building vnfs.img (writeRootfsImage
 * against find | cpio -o -H newc | gzip), each peer on the same input in the same run.
 *   npm run bench -- images                 both
 *   BENCH_IMAGES=serve|build                one of them
 *   BENCH_CLIENTS=100 BENCH_IMAGE_MIB=256   the storm; BENCH_TREE_MIB=1024 the tree
 */
import { imageStorm } from './lib/image-storm.js';
import { imageBuild } from './lib/image-build.js';

const which = process.env.BENCH_IMAGES ?? 'serve,build';
if (which.includes('serve')) await imageStorm({ clients: Number(process.env.BENCH_CLIENTS ?? 100), sizeMiB: Number(process.env.BENCH_IMAGE_MIB ?? 256) });
if (which.includes('build')) await imageBuild({ treeMiB: Number(process.env.BENCH_TREE_MIB ?? 1024) });
