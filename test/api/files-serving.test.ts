/**
 * /files as a boot storm needs it: ETag = the artifact's sha256 (from its sidecar), 304s,
 * Range with If-Range across a revision change, HEAD, and a download that keeps its bytes when
 * the file is replaced or deleted under it.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeRootfsImage, writeSha256Sidecar } from '../../src/images/index.js';
import { body, fetchRaw, filesServer, open, type FilesServer } from './files-client.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('/files: validators, conditionals, ranges', () => {
  let s: FilesServer;
  let rev1: Buffer;
  let rev2: Buffer;
  const url = () => `${s.base}/files/vnfs/img/vnfs.img`;

  /** An artifact under revisions/<n>/ with its sidecar, and the top-level symlink pointing at it. */
  async function publish(n: number, bytes: Buffer): Promise<void> {
    const dir = join(s.statedir, 'vnfs/img/revisions', String(n));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'vnfs.img'), bytes);
    await writeSha256Sidecar(join(dir, 'vnfs.img'), sha(bytes));
    const link = join(s.statedir, 'vnfs/img/.vnfs.img.new');
    await symlink(`revisions/${n}/vnfs.img`, link);
    await rename(link, join(s.statedir, 'vnfs/img/vnfs.img'));
  }

  before(async () => {
    s = await filesServer();
    rev1 = randomBytes(3 * 1024 * 1024);
    rev2 = randomBytes(3 * 1024 * 1024);
    await publish(1, rev1);
    await mkdir(join(s.statedir, 'files'), { recursive: true });
    await writeFile(join(s.statedir, 'files/plain.txt'), 'hello\n');
  });
  after(() => s.close());

  it('an artifact reached through the top-level symlink has ETag = its sha256, Content-Length and Last-Modified', async () => {
    const r = await fetchRaw(url());
    assert.equal(r.status, 200);
    assert.equal(r.headers.etag, `"${sha(rev1)}"`);
    assert.equal(r.headers['content-length'], String(rev1.length));
    assert.equal(r.headers['accept-ranges'], 'bytes');
    assert.ok(!Number.isNaN(Date.parse(r.headers['last-modified']!)));
    assert.ok(r.body.equals(rev1));
    const direct = await fetchRaw(`${s.base}/files/vnfs/img/revisions/1/vnfs.img`, {}, 'HEAD');
    assert.equal(direct.headers.etag, `"${sha(rev1)}"`, 'the same tag reached directly');
  });

  it('the tag of a vnfs.img built by writeRootfsImage is the sha256 it returned', async () => {
    const root = join(s.statedir, 'tree');
    await mkdir(join(root, 'etc'), { recursive: true });
    await writeFile(join(root, 'etc/hostname'), 'node\n');
    await mkdir(join(s.statedir, 'vnfs/built'), { recursive: true });
    const art = await writeRootfsImage(root, join(s.statedir, 'vnfs/built/vnfs.img'));
    const r = await fetchRaw(`${s.base}/files/vnfs/built/vnfs.img`);
    assert.equal(r.headers.etag, `"${art.sha256}"`);
    assert.equal(sha(r.body), art.sha256);
  });

  it('HEAD answers the headers of GET and no body', async () => {
    const r = await fetchRaw(url(), {}, 'HEAD');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-length'], String(rev1.length));
    assert.equal(r.headers.etag, `"${sha(rev1)}"`);
    assert.equal(r.body.length, 0);
  });

  it('If-None-Match with the current tag (alone, in a list, weak, or *) → 304 without a body; another tag → 200', async () => {
    for (const inm of [`"${sha(rev1)}"`, `"x", "${sha(rev1)}"`, `W/"${sha(rev1)}"`, '*']) {
      const r = await fetchRaw(url(), { 'if-none-match': inm });
      assert.equal(r.status, 304, inm);
      assert.equal(r.headers.etag, `"${sha(rev1)}"`);
      assert.equal(r.body.length, 0);
    }
    assert.equal((await fetchRaw(url(), { 'if-none-match': `"${sha(rev2)}"` })).status, 200);
  });

  it('Range with a matching If-Range resumes; after a revision change the old tag gets the whole new file', async () => {
    const part = await fetchRaw(url(), { range: 'bytes=1000-', 'if-range': `"${sha(rev1)}"` });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 1000-${rev1.length - 1}/${rev1.length}`);
    assert.ok(part.body.equals(rev1.subarray(1000)));
    await publish(2, rev2);
    const resumed = await fetchRaw(url(), { range: 'bytes=1000-', 'if-range': `"${sha(rev1)}"` });
    assert.equal(resumed.status, 200, 'a stale If-Range is answered with the whole representation');
    assert.equal(resumed.headers.etag, `"${sha(rev2)}"`);
    assert.ok(resumed.body.equals(rev2), 'the whole new file, never old and new bytes mixed');
    const plainRange = await fetchRaw(url(), { range: 'bytes=0-9' });
    assert.equal(plainRange.status, 206);
    assert.ok(plainRange.body.equals(rev2.subarray(0, 10)));
  });

  it('a file without a sidecar gets a weak tag that If-None-Match accepts and If-Range never does', async () => {
    const u = `${s.base}/files/files/plain.txt`;
    const r = await fetchRaw(u);
    assert.match(r.headers.etag!, /^W\/"[0-9a-f]+-[0-9a-f]+"$/);
    assert.equal((await fetchRaw(u, { 'if-none-match': r.headers.etag! })).status, 304);
    const ranged = await fetchRaw(u, { range: 'bytes=1-', 'if-range': r.headers.etag! });
    assert.equal(ranged.status, 200);
    assert.equal(ranged.body.toString(), 'hello\n');
  });

  it('a sidecar that no longer describes its file (edited by hand) is ignored: a weak tag, not a wrong strong one', async () => {
    const dir = join(s.statedir, 'vnfs/edited');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'vmlinuz'), 'kernel v1');
    await writeSha256Sidecar(join(dir, 'vmlinuz'), sha(Buffer.from('kernel v1')));
    assert.equal((await fetchRaw(`${s.base}/files/vnfs/edited/vmlinuz`, {}, 'HEAD')).headers.etag, `"${sha(Buffer.from('kernel v1'))}"`);
    await writeFile(join(dir, 'vmlinuz'), 'kernel v2');
    await utimes(join(dir, 'vmlinuz'), new Date(), new Date(Date.now() + 5000));
    const r = await fetchRaw(`${s.base}/files/vnfs/edited/vmlinuz`);
    assert.match(r.headers.etag!, /^W\//);
    assert.equal(r.body.toString(), 'kernel v2');
  });

  it('If-Modified-Since at or after Last-Modified → 304; an unsatisfiable range → 416', async () => {
    const head = await fetchRaw(url(), {}, 'HEAD');
    assert.equal((await fetchRaw(url(), { 'if-modified-since': head.headers['last-modified']! })).status, 304);
    assert.equal((await fetchRaw(url(), { 'if-modified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' })).status, 200);
    const r = await fetchRaw(url(), { range: `bytes=${rev2.length}-` });
    assert.equal(r.status, 416);
    assert.equal(r.headers['content-range'], `bytes */${rev2.length}`);
  });

  it('a download keeps sending the bytes it started with when a new file is renamed over it and then unlinked', async () => {
    const dir = join(s.statedir, 'vnfs/swap');
    await mkdir(dir, { recursive: true });
    const oldBytes = randomBytes(48 * 1024 * 1024);
    const newBytes = randomBytes(48 * 1024 * 1024);
    await writeFile(join(dir, 'vnfs.img'), oldBytes);
    await writeSha256Sidecar(join(dir, 'vnfs.img'), sha(oldBytes));
    const { response } = open(`${s.base}/files/vnfs/swap/vnfs.img`);
    const res = await response;
    assert.equal(res.headers.etag, `"${sha(oldBytes)}"`);
    // Read a little, then stop: the server is held by backpressure well before the end of the file.
    const first: Buffer = await new Promise((resolve) => res.once('data', resolve));
    res.pause();
    await writeFile(join(dir, '.vnfs.img.tmp'), newBytes);
    await rename(join(dir, '.vnfs.img.tmp'), join(dir, 'vnfs.img'));
    await unlink(join(dir, 'vnfs.img'));
    res.resume();
    const got = Buffer.concat([first, await body(res)]);
    assert.equal(got.length, oldBytes.length);
    assert.ok(got.equals(oldBytes), 'the complete old bytes');
  });
});
