/**
 * Applies an OCI image's layers in order onto one root, as Warewulf's container import and umoci
 * do: whiteouts delete what lower layers wrote, and each layer is checked against its digests
 * (the blob's, and the config's diff id of its uncompressed tar) once it has been read whole.
 */
import { createHash, type Hash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { unpackArchive } from './archive.js';
import { invalid } from './errors.js';
import { Extractor } from './extract.js';
import { ociLayers } from './oci.js';
import { Progress, type UnpackProgress } from './progress.js';

export interface LayerOptions {
  signal?: AbortSignal;
  onProgress?: (p: UnpackProgress) => void;
}

/** Digest check of one stream: `<alg>:<hex>` or nothing to check. */
function digester(digest: string | undefined): { hash: Hash; want: string } | null {
  if (!digest) return null;
  const [alg, hex] = digest.split(':');
  if ((alg !== 'sha256' && alg !== 'sha512') || !hex) throw invalid(`OCI archive: unsupported digest '${digest}'`);
  return { hash: createHash(alg), want: hex };
}

/** Writes the image in the unpacked OCI archive `dir` into `rootfs`. */
export async function applyLayers(dir: string, rootfs: string, opts: LayerOptions = {}): Promise<void> {
  const layers = await ociLayers(dir);
  const sizes = await Promise.all(layers.map(async (l) => (await stat(l.file)).size));
  const progress = new Progress(
    sizes.reduce((a, b) => a + b, 0),
    opts.onProgress,
  );
  const into = new Extractor(rootfs, { signal: opts.signal, whiteouts: true });
  for (const layer of layers) {
    const blob = digester(layer.digest);
    const diff = digester(layer.diffId);
    await unpackArchive(layer.file, into, {
      signal: opts.signal,
      onRaw: (c) => {
        blob?.hash.update(c);
        progress.add(c.length);
      },
      onPlain: diff ? (c) => diff.hash.update(c) : undefined,
    });
    for (const [d, what] of [
      [blob, 'digest'],
      [diff, 'diff id'],
    ] as const) {
      const got = d?.hash.digest('hex');
      if (d && got !== d.want)
        throw invalid(`OCI archive: layer ${layer.name} does not match its ${what} (sha ${got?.slice(0, 12)}…, want ${d.want.slice(0, 12)}…)`);
    }
  }
  await into.finish();
  progress.end();
}
