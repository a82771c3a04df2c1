/**
 * Fixture builders for image imports, made with the system tools an admin's machine has (tar,
 * gzip, zstd, bzip2): tarballs, OCI image archives in docker-save and OCI-layout form, and
 * Perceus capsules. The import tests and the lead's full-chain test build their images with these.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, cp, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

export type Compress = 'gzip' | 'zstd' | 'bzip2';
const TAR_FLAG: Record<Compress, string> = { gzip: '--gzip', zstd: '--zstd', bzip2: '--bzip2' };

/** `file` as a tarball of the tree at `root` (members `./…`, numeric owners, sorted). */
export async function buildTarball(root: string, file: string, compress?: Compress): Promise<void> {
  await execa('tar', ['--sort=name', '--numeric-owner', '-C', root, '-cf', file, ...(compress ? [TAR_FLAG[compress]] : []), '.']);
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return h.digest('hex');
}

/**
 * One layer: a tree on disk (`.wh.<name>` files in it are whiteouts, `.wh..wh..opq` opaque
 * markers), or a tar file made otherwise (tar-bytes.ts: members system tar would not write).
 */
export type LayerSpec = { root: string } | { tar: string };

export interface OciOptions {
  layout: 'docker' | 'oci';
  /** layer compression (docker save writes plain tar layers) */
  compress?: 'gzip' | 'zstd';
  /** called with the archive's directory before it is packed: a test breaks it here */
  tamper?: (dir: string, layers: { blob: string; digest: string }[]) => Promise<void>;
}

/**
 * `file` as the image archive `docker save` (legacy layout: <id>/layer.tar, <config>.json,
 * manifest.json, repositories) or an OCI image layout (oci-layout, index.json, blobs/sha256/…)
 * would write, with `layers` bottom first. `work` is a scratch directory of the caller's.
 */
export async function buildOciArchive(work: string, layers: LayerSpec[], file: string, opts: OciOptions): Promise<void> {
  const out = join(work, `oci-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const tmp = `${out}.layers`;
  await mkdir(join(out, 'blobs', 'sha256'), { recursive: true });
  await mkdir(tmp);
  const blob = async (data: string | Buffer) => {
    const hex = createHash('sha256').update(data).digest('hex');
    await writeFile(join(out, 'blobs', 'sha256', hex), data);
    return { hex, size: Buffer.byteLength(data) };
  };
  const built: { blob: string; digest: string; diffId: string; size: number; path: string }[] = [];
  for (const [i, layer] of layers.entries()) {
    const plain = join(tmp, `${i}.tar`);
    if ('tar' in layer) await cp(layer.tar, plain);
    else await buildTarball(layer.root, plain);
    const diffId = await sha256(plain);
    let stored = plain;
    if (opts.compress) {
      await execa(opts.compress, ['-q', '-k', '-f', plain]);
      stored = `${plain}.${opts.compress === 'gzip' ? 'gz' : 'zst'}`;
    }
    const hex = await sha256(stored);
    const path = opts.layout === 'oci' ? join('blobs', 'sha256', hex) : join(diffId, 'layer.tar');
    await mkdir(join(out, path, '..'), { recursive: true });
    await cp(stored, join(out, path));
    built.push({ blob: join(out, path), digest: `sha256:${hex}`, diffId: `sha256:${diffId}`, size: (await stat(stored)).size, path });
  }
  await rm(tmp, { recursive: true });
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: built.map((l) => l.diffId) } });
  if (opts.layout === 'oci') {
    const cfg = await blob(config);
    const type = `application/vnd.oci.image.layer.v1.tar${opts.compress ? `+${opts.compress}` : ''}`;
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${cfg.hex}`, size: cfg.size },
      layers: built.map((l) => ({ mediaType: type, digest: l.digest, size: l.size })),
    });
    const m = await blob(manifest);
    await writeFile(join(out, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(
      join(out, 'index.json'),
      JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${m.hex}`, size: m.size }] }),
    );
  } else {
    await rm(join(out, 'blobs'), { recursive: true });
    const cfgHex = createHash('sha256').update(config).digest('hex');
    await writeFile(join(out, `${cfgHex}.json`), config);
    await writeFile(
      join(out, 'manifest.json'),
      JSON.stringify([{ Config: `${cfgHex}.json`, RepoTags: ['muster/test:latest'], Layers: built.map((l) => l.path) }]),
    );
    await writeFile(join(out, 'repositories'), JSON.stringify({ 'muster/test': { latest: built.at(-1)?.diffId.slice(7) } }));
  }
  await opts.tamper?.(out, built);
  // Members named as docker and skopeo write them: no leading `./`, manifest.json near the end.
  await execa('tar', ['--numeric-owner', '-C', out, '-cf', file, ...(await readdir(out)).sort()]);
  await rm(out, { recursive: true });
}

export interface CapsuleSpec {
  /** the image's root tree, copied into rootfs/ */
  rootfs: string;
  /** the config file's text (KERNEL=…, KERNEL_ARGS=…) */
  config?: string;
  /** nodescripts/<state>/<name> → script text */
  nodescripts?: Record<string, Record<string, string>>;
  /** the init scripts at the top-level init/, as older capsules have them */
  legacyInit?: boolean;
  /** hooks and other top-level files (mount, umount, configure, hybridize …) */
  files?: Record<string, string>;
}

/** `file` as a Perceus capsule (bzip2 tarball of the VNFS directory, members `./…`); returns that directory. */
export async function buildCapsule(work: string, spec: CapsuleSpec, file: string): Promise<string> {
  const dir = join(work, `capsule-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  await mkdir(dir);
  await execa('cp', ['-a', `${spec.rootfs}/.`, join(dir, 'rootfs')]);
  if (spec.config !== undefined) await writeFile(join(dir, 'config'), spec.config);
  for (const [state, scripts] of Object.entries(spec.nodescripts ?? {})) {
    const at = spec.legacyInit && state === 'init' ? join(dir, 'init') : join(dir, 'nodescripts', state);
    await mkdir(at, { recursive: true });
    for (const [name, text] of Object.entries(scripts)) {
      await writeFile(join(at, name), text);
      await chmod(join(at, name), 0o755);
    }
  }
  for (const [name, text] of Object.entries(spec.files ?? {})) {
    await writeFile(join(dir, name), text);
    await chmod(join(dir, name), 0o755);
  }
  await execa('tar', ['--sort=name', '--numeric-owner', '-C', dir, '-cjf', file, '.']);
  return dir;
}
