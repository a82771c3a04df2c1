/**
 * Issue 10 item 2, OCI image archives without a registry: `docker save` layout and OCI image
 * layout (tar, gzip and zstd layers; as a tarball, a gzip'd tarball or an unpacked directory),
 * layers applied in order with whiteouts (`.wh.<name>` deletes, `.wh..wh..opq` empties a
 * directory of what lower layers put there). Bad input: a missing layer blob, a layer that does
 * not match its digest or diff id, a whiteout through a symlink.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { MusterError } from '../../../src/errors.js';
import { unpackSource } from '../../../src/images/index.js';
import { buildOciArchive, buildTarball, type OciOptions } from '../../helpers/image-sources.js';
import { buildTree, describeTree } from '../../helpers/rootfs-tree.js';
import { tarBytes } from '../../helpers/tar-bytes.js';

let dir: string;
let lower: string;
let upper: string;
let want: Awaited<ReturnType<typeof describeTree>>;
let n = 0;

async function put(root: string, path: string, text = ''): Promise<void> {
  await mkdir(join(root, path, '..'), { recursive: true });
  await writeFile(join(root, path), text);
}

async function unpack(opts: OciOptions, gzipAll = false): Promise<{ staging: string; result: Promise<unknown> }> {
  const file = join(dir, `image-${++n}.tar`);
  await buildOciArchive(dir, [{ root: lower }, { root: upper }], file, opts);
  if (gzipAll) await execa('gzip', ['-S', '.gz', file]);
  const staging = join(dir, `staging-${n}`);
  return { staging, result: unpackSource(gzipAll ? `${file}.gz` : file, staging) };
}

describe('unpackSource: OCI image archives', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-src-oci-'));
    lower = join(dir, 'lower');
    upper = join(dir, 'upper');
    await mkdir(lower);
    await buildTree(lower);
    for (const p of ['etc/old', 'opt/gone/x', 'opt/keep/a', 'var/cache/c1', 'var/cache/sub/c3']) await put(lower, p, p);
    await mkdir(upper);
    await put(upper, 'etc/.wh.old');
    await put(upper, 'opt/.wh.gone');
    await put(upper, 'var/cache/.wh..wh..opq');
    await put(upper, 'var/cache/c2', 'new in the upper layer');
    await put(upper, 'etc/hostname', 'changed\n');
    // What the layers mean: the lower tree, the upper one copied over it, the whiteouts applied.
    const expect = join(dir, 'expect');
    await execa('cp', ['-a', `${lower}/.`, expect]);
    await execa('cp', ['-a', `${upper}/.`, expect]);
    for (const p of ['etc/.wh.old', 'etc/old', 'opt/.wh.gone', 'opt/gone', 'var/cache/.wh..wh..opq', 'var/cache/c1', 'var/cache/sub'])
      await rm(join(expect, p), { recursive: true });
    want = await describeTree(expect);
    assert.ok(want['opt/keep/a'] && !want['opt/gone'] && want['var/cache/c2'] && !want['var/cache/sub']);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const good: [string, OciOptions, boolean?][] = [
    ['docker save layout, plain tar layers', { layout: 'docker' }],
    ['docker save layout, the archive gzip-compressed', { layout: 'docker' }, true],
    ['OCI layout, tar+gzip layers', { layout: 'oci', compress: 'gzip' }],
    ['OCI layout, tar+zstd layers', { layout: 'oci', compress: 'zstd' }],
  ];
  for (const [name, opts, gzipAll] of good) {
    it(`${name}: layers in order with whiteouts, kind 'oci', no scratch left`, async () => {
      const { staging, result } = await unpack(opts, gzipAll);
      assert.deepEqual(await result, { kind: 'oci', nodescriptStates: [] });
      assert.deepEqual(await describeTree(join(staging, 'rootfs')), want);
      assert.deepEqual(await readdir(staging), ['rootfs']);
    });
  }

  it('an OCI layout directory (the archive unpacked) imports the same', async () => {
    const file = join(dir, 'layout.tar');
    await buildOciArchive(dir, [{ root: lower }, { root: upper }], file, { layout: 'oci', compress: 'gzip' });
    const layout = join(dir, 'layout');
    await mkdir(layout);
    await execa('tar', ['-C', layout, '-xf', file]);
    const staging = join(dir, 'staging-layout');
    assert.equal((await unpackSource(layout, staging)).kind, 'oci');
    assert.deepEqual(await describeTree(join(staging, 'rootfs')), want);
  });

  async function refused(opts: OciOptions, message: RegExp, code = 'IMAGE_SOURCE_INVALID'): Promise<void> {
    const { result } = await unpack(opts);
    const err = await result.then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof MusterError, `refused: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    assert.ok(!err.message.includes('\n'));
  }

  it('a missing layer blob is refused, in both layouts', async () => {
    const drop: OciOptions['tamper'] = async (_dir, layers) => rm(layers[1]!.blob);
    await refused({ layout: 'oci', compress: 'gzip', tamper: drop }, /OCI archive: layer 'blobs\/sha256\/[0-9a-f]{64}' is missing from the archive/);
    await refused({ layout: 'docker', tamper: drop }, /OCI archive: layer '[0-9a-f]{64}\/layer\.tar' is missing from the archive/);
  });

  it('a layer that does not match its digest (OCI) or diff id (docker) is refused', async () => {
    const other = join(dir, 'other.tar');
    await buildTarball(upper, other);
    const swap: OciOptions['tamper'] = async (_dir, layers) => execa('cp', [other, layers[0]!.blob]).then(() => undefined);
    await refused({ layout: 'oci', tamper: swap }, /layer sha256:[0-9a-f]{64} does not match its digest/);
    await refused({ layout: 'docker', tamper: swap }, /layer [0-9a-f]{64}\/layer\.tar does not match its diff id/);
    // Bytes after the end-of-archive blocks are read too: the digest covers the whole blob.
    await refused({ layout: 'oci', tamper: async (_d, layers) => appendFile(layers[1]!.blob, Buffer.alloc(512)) }, /does not match its digest/);
  });

  it('a whiteout through a symlink of a lower layer is refused, never followed', async () => {
    const victim = join(dir, 'victim');
    await put(victim, 'keep', 'keep');
    const a = join(dir, 'wa');
    await mkdir(a);
    await execa('ln', ['-s', victim, join(a, 'x')]);
    // No directory member for x in the upper layer (system tar would write one, replacing the link).
    const b = join(dir, 'wb.tar');
    await writeFile(b, tarBytes([{ name: 'x/.wh.keep' }]));
    const file = join(dir, 'wh.tar');
    await buildOciArchive(dir, [{ root: a }, { tar: b }], file, { layout: 'oci' });
    await assert.rejects(unpackSource(file, join(dir, 'staging-wh')), {
      code: 'IMAGE_SOURCE_UNSAFE',
      message: /member 'x\/\.wh\.keep' would be written through the symlink 'x'/,
    });
    assert.deepEqual(await readdir(victim), ['keep']);
  });
});
