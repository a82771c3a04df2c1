/** Real Debian TFTP clients against the server on 127.0.0.1. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { TftpServer } from '../../../src/boot/tftp/server.js';
import { makeFixture, missingTool, sha256, sha256File, startTestServer, TEXT, type Fixture } from './helpers.js';

let fx: Fixture;
let server: TftpServer;
let want: string;

before(async () => {
  fx = await makeFixture();
  server = await startTestServer(fx.root);
  want = await sha256File(join(fx.root, 'ipxe.efi'));
});
after(async () => {
  await server.close();
  await fx.cleanup();
});

const out = (name: string) => join(fx.dir, name);

test('tftp-hpa fetches ipxe.efi (octet) and text in netascii; errors show in its output', { skip: missingTool('tftp', 'tftp-hpa') }, async () => {
  const get = (file: string, local: string, mode = 'octet') =>
    execa('tftp', ['-m', mode, '127.0.0.1', String(server.port), '-c', 'get', file, local], { all: true, timeout: 30_000 });
  await get('ipxe.efi', out('hpa.efi'));
  assert.equal(await sha256File(out('hpa.efi')), want);
  await get('text.txt', out('hpa.txt'), 'netascii');
  assert.equal(await readFile(out('hpa.txt'), 'utf8'), TEXT);
  // tftp-hpa exits 0 on a TFTP error: its output is what tells.
  const traversal = await get('../outside/secret.txt', out('hpa.secret'));
  assert.match(traversal.all, /Error code 2: access violation/);
  const missing = await get('missing.bin', out('hpa.missing'));
  assert.match(missing.all, /Error code 1: file not found/);
});

test('atftp fetches ipxe.efi with windowsize 8, blksize and tsize', { skip: missingTool('atftp', 'atftp') }, async () => {
  const r = await execa(
    'atftp',
    [
      '--option',
      'windowsize 8',
      '--option',
      'blksize 1428',
      '--option',
      'tsize 0',
      '--trace',
      '-g',
      '-r',
      'ipxe.efi',
      '-l',
      out('atftp.efi'),
      '127.0.0.1',
      String(server.port),
    ],
    { all: true, timeout: 30_000 },
  );
  assert.equal(await sha256File(out('atftp.efi')), want);
  // --trace prints the packets: the server's OACK (what was granted, not what atftp asked for)
  // and the data blocks numbered within their window.
  const oack = /received OACK <([^>]*)>/.exec(r.all);
  assert.ok(oack, `atftp saw no OACK:\n${r.all.slice(0, 2000)}`);
  const granted = Object.fromEntries([...oack[1]!.matchAll(/(\w+): (\d+)/g)].map((m) => [m[1], m[2]]));
  const size = (await readFile(join(fx.root, 'ipxe.efi'))).length;
  assert.deepEqual(granted, { tsize: String(size), windowsize: '8', blksize: '1428' });
  assert.match(r.all, /received 8\. DATA <block: 8, size 1428>/, 'eight blocks arrive before the first ACK');
  assert.doesNotMatch(r.all, /received 9\. DATA/, 'no window is longer than 8');
  const bad = await execa('atftp', ['-g', '-r', '/../outside/secret.txt', '-l', out('atftp.secret'), '127.0.0.1', String(server.port)], {
    all: true,
    reject: false,
    timeout: 30_000,
  });
  assert.notEqual(bad.exitCode, 0);
  assert.match(bad.all, /access violation/);
});

test('curl fetches ipxe.efi with blksize 1468 and without options; a missing file is exit 68', { skip: missingTool('curl', 'curl') }, async () => {
  const url = `tftp://127.0.0.1:${server.port}/ipxe.efi`;
  await execa('curl', ['-sS', url, '--tftp-blksize', '1468', '-o', out('curl.efi')], { timeout: 30_000 });
  assert.equal(await sha256File(out('curl.efi')), want);
  await execa('curl', ['-sS', url, '--tftp-no-options', '-o', out('curl2.efi')], { timeout: 30_000 });
  assert.equal(await sha256File(out('curl2.efi')), want);
  const missing = await execa('curl', ['-sS', `tftp://127.0.0.1:${server.port}/missing.bin`, '-o', out('curl.missing')], { reject: false, timeout: 30_000 });
  assert.equal(missing.exitCode, 68);
});

test('busybox tftp fetches ipxe.efi with -b 1024', { skip: missingTool('busybox', 'busybox') }, async () => {
  await execa('busybox', ['tftp', '-b', '1024', '-g', '-r', 'ipxe.efi', '-l', out('bb.efi'), '127.0.0.1', String(server.port)], { timeout: 30_000 });
  assert.equal(await sha256File(out('bb.efi')), want);
});

test('100 concurrent curl clients all get ipxe.efi', { skip: missingTool('curl', 'curl') }, async () => {
  const before = server.stats().outcomes.complete;
  const files = Array.from({ length: 100 }, (_, i) => out(`many-${i}.efi`));
  await Promise.all(
    files.map((f) => execa('curl', ['-sS', `tftp://127.0.0.1:${server.port}/ipxe.efi`, '--tftp-blksize', '1468', '-o', f], { timeout: 50_000 })),
  );
  const sums = await Promise.all(files.map(async (f) => sha256(await readFile(f))));
  assert.deepEqual(new Set(sums), new Set([want]));
  assert.equal(server.stats().outcomes.complete - before, 100);
  assert.equal(server.stats().active, 0);
});
