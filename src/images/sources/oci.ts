/**
 * OCI image archives without a registry: the layout `docker save` / `podman save` write
 * (manifest.json: [{Config, Layers}]) and the OCI image layout (oci-layout, index.json → manifest →
 * layers under blobs/<alg>/<hex>). The archive is unpacked first (its manifest may come last);
 * this reads its manifests and gives the layers in order, each with the digests to check it by.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolveInImage } from '../in-image.js';
import { invalid } from './errors.js';
import { lstatOrNull } from './guard.js';

export interface OciLayer {
  /** the blob on disk */
  file: string;
  /** as the manifest names it */
  name: string;
  /** `<alg>:<hex>` of the blob as stored (OCI layout; docker's blobs/ paths) */
  digest?: string;
  /** `<alg>:<hex>` of the uncompressed layer (the image config's rootfs.diff_ids) */
  diffId?: string;
}

const MAX_JSON = 4 * 1024 * 1024;
const DIGEST = /^(sha256|sha512):([0-9a-f]{64,128})$/;
const LAYER_TYPE = /(\.tar|tar\+gzip|tar\+zstd|\.tar\.gzip|\.tar\.zstd)$/;
const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

/** True when the directory looks like an OCI archive's contents rather than a root filesystem. */
export function isOciArchive(dir: string): boolean {
  const has = (name: string) => lstatOrNull(`${dir}/${name}`) !== null;
  if (has('oci-layout') && has('index.json')) return true;
  return has('manifest.json') && !has('etc') && !has('usr');
}

/** The layers of the image in `dir`, bottom first. */
export async function ociLayers(dir: string): Promise<OciLayer[]> {
  return lstatOrNull(`${dir}/oci-layout`) ? layoutLayers(dir) : dockerLayers(dir);
}

async function json(dir: string, path: string, what: string): Promise<unknown> {
  const file = await resolveInImage(dir, path);
  const st = file ? await stat(file).catch(() => null) : null;
  if (!file || !st?.isFile()) throw invalid(`OCI archive: ${what} '${path}' is missing`);
  if (st.size > MAX_JSON) throw invalid(`OCI archive: ${what} '${path}' is larger than ${MAX_JSON} bytes`);
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw invalid(`OCI archive: ${what} '${path}' is not JSON (${(err as Error).message})`);
  }
}

function blobPath(digest: unknown): string {
  const m = typeof digest === 'string' ? DIGEST.exec(digest) : null;
  if (!m) throw invalid(`OCI archive: bad digest '${String(digest).slice(0, 80)}'`);
  return `blobs/${m[1]}/${m[2]}`;
}

/** A blob that must exist: its file on disk. */
async function blobFile(dir: string, path: string, what: string): Promise<string> {
  const file = await resolveInImage(dir, path);
  if (!file || !(await stat(file).catch(() => null))?.isFile()) throw invalid(`OCI archive: ${what} '${path}' is missing from the archive`);
  return file;
}

function diffIds(config: unknown): string[] {
  const ids = (config as { rootfs?: { diff_ids?: unknown } } | null)?.rootfs?.diff_ids;
  return Array.isArray(ids) ? ids.map(String) : [];
}

type Descriptor = { mediaType?: string; digest?: string; platform?: { os?: string; architecture?: string } };

const HOST_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** One image out of an index: the only one, or the one for this machine (attestations are not images). */
function pick(manifests: Descriptor[]): Descriptor {
  const images = manifests.filter((m) => m.platform?.os !== 'unknown');
  if (images.length === 1) return images[0]!;
  const mine = images.filter((m) => m.platform?.os === 'linux' && m.platform.architecture === HOST_ARCH[process.arch]);
  if (mine.length === 1) return mine[0]!;
  const list = images.map((m) => `${m.platform?.os ?? '?'}/${m.platform?.architecture ?? '?'}`).join(', ');
  throw invalid(`OCI archive: ${images.length === 0 ? 'the index holds no image' : `holds ${images.length} images (${list}); save one image`}`);
}

async function layoutLayers(dir: string): Promise<OciLayer[]> {
  let desc = pick(((await json(dir, 'index.json', 'index')) as { manifests?: Descriptor[] })?.manifests ?? []);
  let manifest = (await json(dir, blobPath(desc.digest), 'manifest')) as { layers?: Descriptor[]; config?: Descriptor; manifests?: Descriptor[] };
  for (let depth = 0; INDEX_TYPES.has(desc.mediaType ?? '') || manifest.manifests; depth++) {
    if (depth > 4) throw invalid('OCI archive: indexes nested too deep');
    desc = pick(manifest.manifests ?? []);
    manifest = (await json(dir, blobPath(desc.digest), 'manifest')) as typeof manifest;
  }
  if (!Array.isArray(manifest.layers)) throw invalid(`OCI archive: manifest ${desc.digest} lists no layers`);
  const ids = diffIds(manifest.config ? await json(dir, blobPath(manifest.config.digest), 'image config') : null);
  return Promise.all(
    manifest.layers.map(async (l, i) => {
      if (!LAYER_TYPE.test(l.mediaType ?? ''))
        throw invalid(`OCI archive: layer ${l.digest} has media type '${l.mediaType}', not a tar layer muster can apply`);
      const path = blobPath(l.digest);
      return { file: await blobFile(dir, path, 'layer'), name: l.digest!, digest: l.digest, diffId: ids[i] };
    }),
  );
}

async function dockerLayers(dir: string): Promise<OciLayer[]> {
  const list = (await json(dir, 'manifest.json', 'manifest')) as { Config?: string; Layers?: string[] }[];
  if (!Array.isArray(list) || list.length !== 1)
    throw invalid(`OCI archive: manifest.json lists ${Array.isArray(list) ? list.length : 'no'} images; save exactly one`);
  const [image] = list;
  if (!Array.isArray(image!.Layers)) throw invalid('OCI archive: manifest.json has no Layers');
  const ids = diffIds(image!.Config ? await json(dir, image!.Config, 'image config') : null);
  return Promise.all(
    image!.Layers.map(async (path, i) => {
      const m = /^blobs\/(sha256|sha512)\/([0-9a-f]+)$/.exec(path);
      return { file: await blobFile(dir, path, 'layer'), name: path, digest: m ? `${m[1]}:${m[2]}` : undefined, diffId: ids[i] };
    }),
  );
}
