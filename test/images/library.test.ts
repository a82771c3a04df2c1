/**
 * Issue 10, the image library: a rootfs becomes a revision (vmlinuz + vnfs.img under
 * revisions/<n>/, the top-level links switched, the database naming it current); the same tree
 * gives the same sha256 and no new revision; a change gives a new one while the old one's files
 * stay for nodes still fetching them; failures (no kernel, a full disk, a cancel, a second
 * import at once) leave the previous revision serving and nothing half-written.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, readlink, realpath, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { execa } from 'execa';
import { addNode } from '../../src/nodes/index.js';
import { currentRevision, deleteImage, getImage, importImage, listRevisions, renameImage } from '../../src/images/index.js';
import { describeEachBackend, freshDb, type TestDb } from '../helpers/db.js';
import { requireOrSkip } from '../helpers/require.js';

const sha = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

/** A rootfs the size of a small image, with a kernel where an image keeps one. */
async function makeRootfs(root: string, marker = 'one'): Promise<void> {
  await mkdir(join(root, 'boot'), { recursive: true });
  await mkdir(join(root, 'etc'), { recursive: true });
  await mkdir(join(root, 'sbin'), { recursive: true });
  await writeFile(join(root, 'boot', 'vmlinuz-6.1.0-9-amd64'), 'old kernel');
  await writeFile(join(root, 'boot', 'vmlinuz-6.1.0-18-amd64'), 'new kernel');
  await writeFile(join(root, 'etc', 'marker'), marker);
  await writeFile(join(root, 'sbin', 'init'), '#!/bin/sh\nexec sh\n', { mode: 0o755 });
}

const DEFAULTS = { nameTemplate: 'n####', firstNode: 0, group: 'cluster', vnfs: '', enabled: true, debug: 0, bootenv: 'vnfs' };

await describeEachBackend('image library', (kind) => {
  let t: TestDb;
  let rootfs: string;
  const deps = () => ({ db: t.db, statedir: t.statedir });
  before(async () => {
    t = await freshDb(kind);
    rootfs = join(t.statedir, 'vnfs', 'compute', 'rootfs');
    await makeRootfs(rootfs);
  });
  after(() => t.cleanup());

  it('builds a first revision: artifacts under revisions/1, links to them, sha256 and kernel version recorded', async () => {
    const r = await importImage(deps(), { name: 'compute', source: null });
    assert.equal(r.unchanged, false);
    assert.equal(r.revision.revision, 1);
    assert.equal(r.revision.state, 'available');
    assert.equal(r.revision.kernelVersion, '6.1.0-18-amd64', 'the newest kernel by version order');
    const dir = join(t.statedir, 'vnfs', 'compute');
    assert.equal(await readlink(join(dir, 'vnfs.img')), 'revisions/1/vnfs.img');
    assert.equal(await readFile(join(dir, 'vmlinuz'), 'utf8'), 'new kernel');
    assert.equal(await sha(join(dir, 'vnfs.img')), r.revision.imageSha256);
    assert.equal((await getImage(t.db, 'compute'))?.current, 1);
    assert.deepEqual(await readdir(join(t.statedir, 'vnfs', '.staging')), [], 'no staging left');
  });

  it('the same rootfs again gives the same sha256 and no new revision', async () => {
    const before = await currentRevision(t.db, 'compute');
    const r = await importImage(deps(), { name: 'compute', source: null });
    assert.equal(r.unchanged, true);
    assert.equal(r.revision.revision, 1);
    assert.equal(r.revision.imageSha256, before?.imageSha256);
    assert.deepEqual(
      (await listRevisions(t.db, 'compute')).map((x) => x.revision),
      [1],
    );
  });

  it('a changed file gives a new revision; a download that opened the old one reads it to the end', async () => {
    const dir = join(t.statedir, 'vnfs', 'compute');
    const oldSha = (await currentRevision(t.db, 'compute'))!.imageSha256;
    // A node mid-download holds the old file open.
    const handle = await import('node:fs/promises').then((fs) => fs.open(join(dir, 'vnfs.img'), 'r'));
    await writeFile(join(rootfs, 'etc', 'marker'), 'two');
    const r = await importImage(deps(), { name: 'compute', source: null });
    assert.equal(r.revision.revision, 2);
    assert.notEqual(r.revision.imageSha256, oldSha);
    assert.equal(await readlink(join(dir, 'vnfs.img')), 'revisions/2/vnfs.img');
    const old = await handle.readFile();
    await handle.close();
    assert.equal(createHash('sha256').update(old).digest('hex'), oldSha, 'the open download still reads revision 1 whole');
    assert.equal(await sha(join(dir, 'revisions', '1', 'vnfs.img')), oldSha, 'revision 1 is kept for nodes that fetched its script');
  });

  it('keeps the current and the previous revision, and one a node is booting; prunes the rest', async () => {
    const node = await addNode(t.db, { mac: '52:54:00:00:10:01' }, { ...DEFAULTS, vnfs: 'compute' });
    await t.db.query(`UPDATE nodes SET vnfs_boot = 'compute@1', vnfs_boot_at = now() WHERE mac = $1::macaddr`, [node.mac]);
    await writeFile(join(rootfs, 'etc', 'marker'), 'three');
    await importImage(deps(), { name: 'compute', source: null });
    const dirs = (await readdir(join(t.statedir, 'vnfs', 'compute', 'revisions'))).sort();
    assert.deepEqual(dirs, ['1', '2', '3'], 'revision 1 is being booted: kept');
    await t.db.query(`UPDATE nodes SET vnfs_booted = 'compute@1' WHERE mac = $1::macaddr`, [node.mac]);
    await writeFile(join(rootfs, 'etc', 'marker'), 'four');
    await importImage(deps(), { name: 'compute', source: null });
    assert.deepEqual((await readdir(join(t.statedir, 'vnfs', 'compute', 'revisions'))).sort(), ['3', '4']);
    const states = Object.fromEntries((await listRevisions(t.db, 'compute')).map((x) => [x.revision, x.state]));
    assert.deepEqual(states, { 1: 'deleted', 2: 'deleted', 3: 'available', 4: 'available' });
  });

  it('refuses a second import of the same name while one runs (IMAGE_BUSY), and the first completes', async () => {
    await writeFile(join(rootfs, 'etc', 'big'), Buffer.alloc(8 * 1024 * 1024, 7));
    const results = await Promise.allSettled([importImage(deps(), { name: 'compute', source: null }), importImage(deps(), { name: 'compute', source: null })]);
    const failed = results.filter((r) => r.status === 'rejected');
    assert.equal(failed.length, 1, 'exactly one of two concurrent imports is refused');
    assert.match(String((failed[0] as PromiseRejectedResult).reason), /IMAGE_BUSY|being imported or rebuilt/);
    assert.equal((await currentRevision(t.db, 'compute'))?.revision, 5);
  });

  it('a cancel mid-build leaves the previous revision serving and no trace (IMAGE_IMPORT_ABORTED)', async () => {
    await writeFile(join(rootfs, 'etc', 'big'), Buffer.alloc(64 * 1024 * 1024, 9));
    const abort = new AbortController();
    const p = importImage(deps(), { name: 'compute', source: null }, { signal: abort.signal, onProgress: (x) => x.done > 1 << 20 && abort.abort() });
    await assert.rejects(p, (err: Error & { code?: string }) => err.code === 'IMAGE_IMPORT_ABORTED');
    assert.equal((await currentRevision(t.db, 'compute'))?.revision, 5);
    assert.equal(await readlink(join(t.statedir, 'vnfs', 'compute', 'vnfs.img')), 'revisions/5/vnfs.img');
    const revs = await listRevisions(t.db, 'compute');
    assert.equal(revs.at(-1)?.state, 'failed');
    assert.deepEqual((await readdir(join(t.statedir, 'vnfs', 'compute', 'revisions'))).sort(), ['4', '5']);
    assert.deepEqual(await readdir(join(t.statedir, 'vnfs', '.staging')), []);
  });

  it('an image without a kernel is refused and a first import leaves no image behind', async () => {
    const bare = join(t.statedir, 'vnfs', 'bare', 'rootfs');
    await mkdir(join(bare, 'etc'), { recursive: true });
    await assert.rejects(importImage(deps(), { name: 'bare', source: null }), /IMAGE_KERNEL_NOT_FOUND|has no kernel/);
    assert.equal(await getImage(t.db, 'bare'), null);
    await rm(join(t.statedir, 'vnfs', 'bare'), { recursive: true, force: true });
  });

  it('a failed import into a directory that was there before (a hand-placed VNFS) leaves it as it was', async () => {
    const legacy = join(t.statedir, 'vnfs', 'legacy');
    await mkdir(join(legacy, 'rootfs', 'etc'), { recursive: true });
    await writeFile(join(legacy, 'vnfs.img'), 'copied in by hand');
    await assert.rejects(importImage(deps(), { name: 'legacy', source: null }), /has no kernel/);
    assert.equal(await readFile(join(legacy, 'vnfs.img'), 'utf8'), 'copied in by hand');
    assert.equal(await getImage(t.db, 'legacy'), null);
    await rm(legacy, { recursive: true, force: true });
  });

  it('refuses names with / or .. and unreadable sources', async () => {
    for (const name of ['a/b', '..', '.hidden', '-x', 'x'.repeat(65)]) {
      await assert.rejects(importImage(deps(), { name, source: '/nonexistent' }), (err: Error & { code?: string }) => err.code === 'IMAGE_NAME_INVALID', name);
    }
    await assert.rejects(
      importImage(deps(), { name: 'ok', source: '/nonexistent/source' }),
      (err: Error & { code?: string }) => err.code === 'IMAGE_SOURCE_NOT_FOUND',
    );
  });

  it('rename moves files and records, and nodes set to it follow', async () => {
    await renameImage(t.db, t.statedir, 'compute', 'compute2');
    assert.equal(await getImage(t.db, 'compute'), null);
    assert.equal((await getImage(t.db, 'compute2'))?.nodes, 1);
    assert.equal((await currentRevision(t.db, 'compute2'))?.revision, 5);
    assert.match(await realpath(join(t.statedir, 'vnfs', 'compute2', 'vnfs.img')), /compute2\/revisions\/5\/vnfs\.img$/);
    rootfs = join(t.statedir, 'vnfs', 'compute2', 'rootfs');
  });

  it('delete is refused while a node is booting it, and while nodes use it unless forced', async () => {
    await t.db.query(`UPDATE nodes SET vnfs_boot = 'compute2@5', vnfs_boot_at = now(), vnfs_booted = NULL`);
    await assert.rejects(deleteImage(t.db, t.statedir, 'compute2', true), /being booted by a node right now/);
    await t.db.query(`UPDATE nodes SET vnfs_booted = 'compute2@5'`);
    await assert.rejects(deleteImage(t.db, t.statedir, 'compute2', false), /IMAGE_IN_USE|is the vnfs of 1 node/);
    await deleteImage(t.db, t.statedir, 'compute2', true);
    assert.equal(await getImage(t.db, 'compute2'), null);
    assert.deepEqual(
      (await readdir(join(t.statedir, 'vnfs'))).filter((e) => !e.startsWith('.')),
      [],
    );
  });
});

// The disk filling up during a build: the statedir on a 24 MiB tmpfs, a rootfs that does not fit.
const noRoot = requireOrSkip(process.getuid?.() !== 0 ? 'needs root (mounts a small tmpfs)' : null);
it('a full disk during a build fails cleanly (IMAGE_IMPORT_FAILED) and the previous revision still serves', { skip: noRoot }, async () => {
  const t = await freshDb('pglite');
  const small = join(t.statedir, 'small');
  await mkdir(small);
  await execa('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', small]);
  try {
    const rootfs = join(small, 'vnfs', 'img', 'rootfs');
    await makeRootfs(rootfs);
    const deps = { db: t.db, statedir: small };
    await importImage(deps, { name: 'img', source: null });
    // Random bytes do not compress: 14 MiB of rootfs needs 14 MiB more for the image.
    await writeFile(join(rootfs, 'etc', 'noise'), (await import('node:crypto')).randomBytes(14 * 1024 * 1024));
    await assert.rejects(
      importImage(deps, { name: 'img', source: null }),
      (err: Error & { code?: string }) => err.code === 'IMAGE_IMPORT_FAILED' && /disk .* is full|ENOSPC/.test(err.message),
    );
    assert.equal((await currentRevision(t.db, 'img'))?.revision, 1);
    assert.equal(await readlink(join(small, 'vnfs', 'img', 'vnfs.img')), 'revisions/1/vnfs.img');
    assert.deepEqual(await readdir(join(small, 'vnfs', 'img', 'revisions')), ['1']);
    assert.deepEqual(await readdir(join(small, 'vnfs', '.staging')), []);
  } finally {
    await execa('umount', [small]);
    await rm(small, { recursive: true, force: true });
    await t.cleanup();
  }
});
