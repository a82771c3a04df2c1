/**
 * 'http image transfers': image downloads past the bound wait in line, are never refused, and a
 * waiter that leaves frees its place; small files and 304s pass by; a paused download does not
 * make the server read (or buffer) the file ahead of the client.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TransferGate } from '../../src/api/transfer-gate.js';
import { writeSha256Sidecar } from '../../src/images/index.js';
import { until } from '../helpers/until.js';
import { body, fetchRaw, filesServer, open, type FilesServer } from './files-client.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Bytes this process has read by any syscall so far (/proc/self/io rchar): file and socket reads alike. */
async function bytesRead(): Promise<number> {
  return Number(/^rchar:\s+(\d+)/m.exec(await readFile('/proc/self/io', 'utf8'))![1]);
}

describe('/files: the image transfer bound', () => {
  let s: FilesServer;
  let gate: TransferGate;
  let image: Buffer;
  let imagePath: string;
  const url = () => `${s.base}/files/vnfs/img/vnfs.img`;

  before(async () => {
    gate = new TransferGate(2);
    s = await filesServer(gate);
    image = randomBytes(32 * 1024 * 1024);
    await mkdir(join(s.statedir, 'vnfs/img'), { recursive: true });
    imagePath = join(s.statedir, 'vnfs/img/vnfs.img');
    await writeFile(imagePath, image);
    await writeSha256Sidecar(imagePath, sha(image));
    await writeFile(join(s.statedir, 'vnfs/img/config'), 'KERNEL=/boot/vmlinuz\n');
  });
  after(() => s.close());

  it('bound 2, 6 clients: all get the whole file, never more than 2 sending, the rest queued', async () => {
    // Each client holds its response paused until released, so the queue is seen standing.
    const clients = Array.from({ length: 6 }, () => open(url()));
    await until(
      '2 sending and 4 waiting',
      () => gate.stats(),
      (st) => st.active === 2 && st.waiting === 4,
    );
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, gate.stats().active)), 1);
    const bodies = await Promise.all(clients.map(async (c) => body(await c.response)));
    clearInterval(sampler);
    for (const b of bodies) assert.ok(b.equals(image), 'correct bytes');
    assert.ok(most <= 2, `at most 2 in flight (saw ${most})`);
    await until(
      'every slot released',
      () => gate.stats(),
      (st) => st.active === 0 && st.waiting === 0,
    );
    assert.equal(gate.stats().peak, 2);
    assert.equal(gate.stats().started, 6);
  });

  it('a client that gives up while waiting leaves the queue; the one behind it is served next', async () => {
    const before = gate.stats().started;
    const holders = [open(url()), open(url())];
    const held: IncomingMessage[] = await Promise.all(holders.map((h) => h.response));
    for (const r of held) r.pause();
    const quitter = open(url());
    quitter.response.catch(() => undefined);
    await until(
      'the quitter waiting',
      () => gate.stats().waiting,
      (n) => n === 1,
    );
    const patient = open(url());
    await until(
      'two waiting',
      () => gate.stats().waiting,
      (n) => n === 2,
    );
    quitter.abort();
    await until(
      'the quitter gone from the queue',
      () => gate.stats().waiting,
      (n) => n === 1,
    );
    holders[0]!.abort();
    const res = await patient.response;
    assert.ok((await body(res)).equals(image));
    holders[1]!.abort();
    await until(
      'slots released',
      () => gate.stats(),
      (st) => st.active === 0 && st.waiting === 0,
    );
    assert.equal(gate.stats().started - before, 3, 'the quitter never took a slot');
  });

  it('small files and 304s are answered while every image slot is taken', async () => {
    const holders = [open(url()), open(url())];
    for (const r of await Promise.all(holders.map((h) => h.response))) r.pause();
    await until(
      'both slots taken',
      () => gate.stats().active,
      (n) => n === 2,
    );
    const small = await fetchRaw(`${s.base}/files/vnfs/img/config`);
    assert.equal(small.status, 200);
    assert.equal(small.body.toString(), 'KERNEL=/boot/vmlinuz\n');
    assert.equal((await fetchRaw(url(), { 'if-none-match': `"${sha(image)}"` })).status, 304);
    assert.equal((await fetchRaw(url(), {}, 'HEAD')).headers['content-length'], String(image.length));
    for (const h of holders) h.abort();
    await until(
      'slots released',
      () => gate.stats().active,
      (n) => n === 0,
    );
  });

  it('a paused download holds the server at a few MiB read ahead, not the whole file', async () => {
    const big = join(s.statedir, 'vnfs/img/big.img');
    await writeFile(big, Buffer.alloc(128 * 1024 * 1024, 7));
    const start = await bytesRead();
    const c = open(`${s.base}/files/vnfs/img/big.img`);
    const res = await c.response;
    await new Promise((r) => res.once('data', r));
    res.pause();
    // Wait until reading stops (reading /proc/self/io itself counts a few hundred bytes): the server is then held by backpressure.
    let last = -1;
    await until('reading to stop', async () => {
      const now = await bytesRead();
      const still = now - last < 64 * 1024;
      last = now;
      await new Promise((r) => setTimeout(r, 200));
      return still;
    });
    const ahead = last - start;
    assert.ok(ahead < 32 * 1024 * 1024, `read ${ahead} bytes (file and socket) of a 128 MiB file`);
    c.abort();
  });
});
