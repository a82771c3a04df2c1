/**
 * 'http image transfers' in a real daemon: six curl processes fetch one image with the bound at
 * 2; `info system` shows two sending and four waiting, and every curl gets the whole file.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { writeSha256Sidecar } from '../../src/images/index.js';
import { spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { requireOrSkip } from '../helpers/require.js';
import { until } from '../helpers/until.js';

const curl = await execa('curl', ['--version'], { reject: false });
const skip = requireOrSkip(curl.exitCode === 0 ? null : 'curl (Debian package curl)');

interface Transfers {
  limit: number;
  active: number;
  waiting: number;
  peak: number;
  started: number;
}

describe('daemon: image downloads past the bound wait their turn', { skip }, () => {
  let d: TestDaemon;
  let image: Buffer;
  const transfers = async (): Promise<Transfers> => {
    const r = await fetch(`${d.info.api}/api/v1/info/system`, { headers: { authorization: `Bearer ${d.token}` } });
    return ((await r.json()) as { imageTransfers: Transfers }).imageTransfers;
  };

  before(async () => {
    d = await spawnDaemon({ env: { MUSTER_HTTP_IMAGE_TRANSFERS: '2' } });
    image = randomBytes(16 * 1024 * 1024);
    const dir = join(d.statedir, 'vnfs/img/revisions/1');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'vnfs.img'), image);
    await writeSha256Sidecar(join(dir, 'vnfs.img'), createHash('sha256').update(image).digest('hex'));
  });
  after(() => d?.stop());

  it('bound 2, 6 curl clients: 2 sending, 4 queued, all 6 complete with the right bytes', async () => {
    assert.deepEqual(await transfers(), { limit: 2, active: 0, waiting: 0, peak: 0, started: 0 });
    const url = `${d.info.http}/files/vnfs/img/revisions/1/vnfs.img`;
    const outs = Array.from({ length: 6 }, (_, i) => join(d.statedir, `got-${i}`));
    // 4 MB/s each: past what loopback's socket buffers absorb, a transfer lasts seconds, and the queue is seen standing.
    const curls = outs.map((o) => execa('curl', ['-sSf', '--limit-rate', '4M', '-o', o, url]));
    const seen = await until('2 sending and 4 waiting', transfers, (t) => t.active === 2 && t.waiting === 4);
    assert.equal(seen.limit, 2);
    await Promise.all(curls);
    for (const o of outs) assert.ok((await readFile(o)).equals(image), `${o}: the whole image`);
    const end = await until('every slot released', transfers, (t) => t.active === 0);
    assert.equal(end.peak, 2, 'never more than 2 at once');
    assert.equal(end.started, 6);
  });
});
