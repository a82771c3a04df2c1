/** `<artifact>.sha256`: written atomically, sha256sum-checkable, believed only for the file it describes. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { readSha256Sidecar, writeRootfsImage, writeSha256Sidecar } from '../../src/images/index.js';

const run = promisify(execFile);
const identity = async (p: string) => {
  const st = await stat(p, { bigint: true });
  return { size: st.size, mtimeNs: st.mtimeNs };
};

describe('sha256 sidecar', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-sidecar-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writeRootfsImage leaves vnfs.img.sha256 beside its image: the returned sum, checked by sha256sum -c', async () => {
    await mkdir(join(dir, 'root/etc'), { recursive: true });
    await writeFile(join(dir, 'root/etc/motd'), 'hi\n');
    const img = join(dir, 'vnfs.img');
    const art = await writeRootfsImage(join(dir, 'root'), img);
    assert.equal(await readSha256Sidecar(img, await identity(img)), art.sha256);
    const { stdout } = await run('sha256sum', ['-c', 'vnfs.img.sha256'], { cwd: dir });
    assert.equal(stdout, 'vnfs.img: OK\n');
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.endsWith('.tmp')),
      [],
    );
  });

  it('a sidecar written for a temporary file describes dest once the file is renamed there', async () => {
    const tmp = join(dir, '.k.tmp');
    await writeFile(tmp, 'kernel');
    const sum = createHash('sha256').update('kernel').digest('hex');
    await writeSha256Sidecar(join(dir, 'vmlinuz'), sum, tmp);
    assert.equal(await readSha256Sidecar(join(dir, 'vmlinuz'), await identity(tmp)), sum);
  });

  it('is not believed for a file of another size or mtime, nor when missing or garbled', async () => {
    const f = join(dir, 'a.img');
    await writeFile(f, 'abc');
    await writeSha256Sidecar(f, createHash('sha256').update('abc').digest('hex'));
    const id = await identity(f);
    assert.equal(await readSha256Sidecar(f, { ...id, size: id.size + 1n }), null);
    await utimes(f, new Date(), new Date(Date.now() + 3000));
    assert.equal(await readSha256Sidecar(f, await identity(f)), null);
    assert.equal(await readSha256Sidecar(join(dir, 'none.img'), id), null);
    await writeFile(f + '.sha256', 'not a sum\n');
    assert.equal(await readSha256Sidecar(f, await identity(f)), null);
  });

  it('refuses a sum that is not 64 lower-case hex digits, writing nothing', async () => {
    await writeFile(join(dir, 'b.img'), 'b');
    await assert.rejects(writeSha256Sidecar(join(dir, 'b.img'), 'ABC'), /'ABC' is not a sha256 in lower-case hex/);
    assert.ok(!(await readdir(dir)).some((n) => n.startsWith('b.img.') || n.startsWith('.b.img')));
  });
});
