/** The server against a hand-driven dgram peer: ACK ordering, timeouts, refusals, option use. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { encodeError, encodeRequest } from '../../../src/boot/tftp/codec.js';
import type { TftpServer } from '../../../src/boot/tftp/server.js';
import { makeFixture, rawFetch, RawClient, sha256, startTestServer, type Fixture } from './helpers.js';

let fx: Fixture;
let server: TftpServer;
let ipxe: Buffer;

before(async () => {
  fx = await makeFixture();
  server = await startTestServer(fx.root, { timeoutMs: 2000 });
  ipxe = await readFile(join(fx.root, 'ipxe.efi'));
});
after(async () => {
  await server.close();
  await fx.cleanup();
});

async function exchange(c: RawClient, bytes: Buffer) {
  c.send(bytes, server.port);
  return (await c.recv()).packet;
}

test('server refuses write requests, unknown opcodes and malformed requests', async () => {
  const c = await RawClient.open();
  try {
    assert.deepEqual(await exchange(c, encodeRequest('WRQ', 'x', 'octet')), { op: 'ERROR', code: 2, message: 'this server is read-only' });
    assert.deepEqual(await exchange(c, Buffer.from([0, 9, 1, 2])), { op: 'ERROR', code: 4, message: 'unknown opcode 9' });
    assert.deepEqual(await exchange(c, Buffer.from('\x00\x01ipxe.efi', 'latin1')), { op: 'ERROR', code: 4, message: 'string at byte 2 is not NUL-terminated' });
    assert.deepEqual(await exchange(c, Buffer.from([0, 4, 0, 1])), { op: 'ERROR', code: 4, message: 'ACK is not a request' });
    c.send(encodeError(0, 'stray'), server.port);
    assert.deepEqual(await c.drain(200), [], 'an ERROR is never answered');
    c.rrq(server.port, 'text.txt', {}, 'mail');
    assert.deepEqual((await c.recv()).packet, { op: 'ERROR', code: 4, message: 'mail mode is not supported' });
  } finally {
    c.close();
  }
});

test('server keeps every path inside the root', async () => {
  const cases: Array<[string, number, string]> = [
    ['../etc/passwd', 2, "'..'"],
    ['a/../../x', 2, "'..'"],
    ['sub/../../outside/secret.txt', 2, "'..'"],
    ['..\\..\\etc\\passwd', 2, "'..'"],
    ['/etc/passwd', 1, 'file not found'], // read as <root>/etc/passwd
    ['escape', 2, 'leads outside the root'], // symlink to ../outside
    ['%2e%2e/%2e%2e/etc/passwd', 1, 'file not found'], // no URL decoding in TFTP
    ['sub', 1, 'not a regular file'],
    ['/', 1, 'file not found'],
    ['missing.bin', 1, 'file not found'],
  ];
  const c = await RawClient.open();
  try {
    for (const [name, code, why] of cases) {
      c.rrq(server.port, name);
      const { packet } = await c.recv();
      assert.equal(packet.op, 'ERROR', name);
      assert.equal(packet.op === 'ERROR' && packet.code, code, name);
      assert.ok(packet.op === 'ERROR' && packet.message.includes(why), `${name}: ${JSON.stringify(packet)}`);
    }
    // A NUL inside the name cuts it: the rest is read as the mode, and the request is malformed.
    c.send(Buffer.from('\x00\x01ipxe.efi\x00../../etc/passwd\x00octet\x00', 'latin1'), server.port);
    const nul = (await c.recv()).packet;
    assert.equal(nul.op === 'ERROR' && nul.code, 4);
  } finally {
    c.close();
  }
  assert.equal((await rawFetch(server.port, '/inlink')).data.toString(), 'inner\n', 'a symlink inside the root is served');
});

test('server sends a file with no options in 512-byte blocks, and netascii converted', async () => {
  const got = await rawFetch(server.port, 'ipxe.efi');
  assert.equal(got.oack, null);
  assert.equal(sha256(got.data), sha256(ipxe));
  const c = await RawClient.open();
  try {
    c.rrq(server.port, 'text.txt', { tsize: '0' }, 'netascii');
    const { packet } = await c.recv();
    // tsize is not offered in netascii (its length is not the file's), so no OACK at all.
    assert.deepEqual(packet, { op: 'DATA', block: 1, data: Buffer.from('line one\r\nline two\r\x00\r\nbare CR\r\x00end\r\n') });
  } finally {
    c.close();
  }
});

test('server handles the EDK2 tsize probe (aborted with error 8), then the real windowed download', async () => {
  const before = server.stats().outcomes.aborted;
  const c = await RawClient.open();
  try {
    c.rrq(server.port, 'ipxe.efi', { blksize: '1468', tsize: '0', windowsize: '4' });
    const oack = await c.recv();
    assert.deepEqual(oack.packet, {
      op: 'OACK',
      options: new Map([
        ['blksize', '1468'],
        ['tsize', String(ipxe.length)],
        ['windowsize', '4'],
      ]),
    });
    c.send(encodeError(8, 'tsize probe only'), oack.port);
    assert.deepEqual(await c.drain(200), []);
  } finally {
    c.close();
  }
  assert.equal(server.stats().outcomes.aborted, before + 1);
  const got = await rawFetch(server.port, 'ipxe.efi', { blksize: '1468', windowsize: '4' });
  assert.equal(sha256(got.data), sha256(ipxe));
});

test("server ignores duplicate ACKs (no sorcerer's apprentice) and stale or future ACKs", async () => {
  const c = await RawClient.open();
  try {
    c.rrq(server.port, 'ipxe.efi');
    const d1 = await c.recv();
    assert.equal(d1.packet.op === 'DATA' && d1.packet.block, 1);
    c.ack(d1.port, 1);
    const d2 = (await c.recv()).packet;
    assert.equal(d2.op === 'DATA' && d2.block, 2);
    c.ack(d1.port, 1); // duplicate
    c.ack(d1.port, 9); // not sent yet
    assert.deepEqual(await c.drain(300), [], 'a duplicate ACK sends nothing');
    c.ack(d1.port, 2);
    const d3 = (await c.recv()).packet;
    assert.equal(d3.op === 'DATA' && d3.block, 3);
    assert.deepEqual(await c.drain(100), []);
  } finally {
    c.close();
  }
});

test('server slides the window on a mid-window ACK and ignores out-of-order ones', async () => {
  const c = await RawClient.open();
  const blocks = async (n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = (await c.recv()).packet;
      out.push(p.op === 'DATA' ? p.block : -1);
    }
    return out;
  };
  try {
    c.rrq(server.port, 'ipxe.efi', { windowsize: '4' });
    const oack = await c.recv();
    c.ack(oack.port, 0);
    assert.deepEqual(await blocks(4), [1, 2, 3, 4]);
    c.ack(oack.port, 4);
    assert.deepEqual(await blocks(4), [5, 6, 7, 8]);
    c.ack(oack.port, 2); // arrives late, out of order
    assert.deepEqual(await c.drain(300), []);
    c.ack(oack.port, 6); // client lost block 7: resend from 7
    assert.deepEqual(await blocks(4), [7, 8, 9, 10]);
  } finally {
    c.close();
  }
});

test('server answers a stranger on a transfer port with error 5 and carries on', async () => {
  const c = await RawClient.open();
  const stranger = await RawClient.open();
  try {
    c.rrq(server.port, 'text.txt');
    const d1 = await c.recv();
    stranger.ack(d1.port, 1);
    assert.deepEqual((await stranger.recv()).packet, { op: 'ERROR', code: 5, message: 'unknown transfer ID' });
    c.ack(d1.port, 1);
    assert.deepEqual(await c.drain(200), [], 'the short block 1 was the last');
  } finally {
    c.close();
    stranger.close();
  }
});

test('server rolls block numbers over past 65535', async () => {
  const big = randomBytes(70_000 * 8 + 3);
  await writeFile(join(fx.root, 'rollover.bin'), big);
  const got = await rawFetch(server.port, 'rollover.bin', { blksize: '8', windowsize: '64' });
  assert.equal(sha256(got.data), sha256(big));
});

test('server times out a client that stops ACKing and frees its slot; busy past the bound', async () => {
  const fast = await startTestServer(fx.root, { timeoutMs: 100, retries: 3, maxTransfers: 1 });
  const c = await RawClient.open();
  const other = await RawClient.open();
  try {
    c.rrq(fast.port, 'ipxe.efi');
    const first = await c.recv();
    assert.equal(first.packet.op === 'DATA' && first.packet.block, 1);
    other.rrq(fast.port, 'text.txt');
    assert.deepEqual((await other.recv()).packet, { op: 'ERROR', code: 0, message: 'server busy' });
    const rest = [await c.recv(), await c.recv(), await c.recv(), await c.recv()].map((r) => r.packet);
    assert.deepEqual(
      rest.slice(0, 3).map((p) => p.op === 'DATA' && p.block),
      [1, 1, 1],
      'three retransmissions',
    );
    assert.deepEqual(rest[3], { op: 'ERROR', code: 0, message: 'timeout' });
    await c.drain(50);
    const s = fast.stats();
    assert.equal(s.active, 0);
    assert.equal(s.outcomes.timeout, 1);
    assert.equal(s.retransmits, 3);
    assert.equal(s.rejected.busy, 1);
    assert.equal((await rawFetch(fast.port, 'text.txt')).data.toString(), 'line one\nline two\r\nbare CR\rend\n', 'the slot is free again');
  } finally {
    c.close();
    other.close();
    await fast.close();
  }
});

test('server ignores a timeout option above its cap, so a silent client cannot hold a slot for 255 s per try', async () => {
  const capped = await startTestServer(fx.root, { timeoutMs: 100, retries: 2, maxTimeout: 2 });
  const c = await RawClient.open();
  try {
    c.rrq(capped.port, 'ipxe.efi', { timeout: '255', blksize: '1024' });
    assert.deepEqual((await c.recv()).packet, { op: 'OACK', options: new Map([['blksize', '1024']]) }, 'timeout 255 left out of the OACK');
    // Never ACK: with the server's 100 ms timeout the transfer ends after 2 retries, well inside 10 s.
    const got: string[] = [];
    for (;;) {
      const p = (await c.recv(10_000)).packet;
      got.push(p.op);
      if (p.op === 'ERROR') break;
    }
    assert.deepEqual(got, ['OACK', 'OACK', 'ERROR']);
    c.rrq(capped.port, 'text.txt', { timeout: '2' });
    assert.deepEqual((await c.recv()).packet, { op: 'OACK', options: new Map([['timeout', '2']]) }, 'a timeout within the cap is granted');
  } finally {
    c.close();
    await capped.close();
  }
});

test('server caps transfers per client address with a clear error; other clients are still served', async () => {
  const capped = await startTestServer(fx.root, { timeoutMs: 5000, maxTransfers: 10, maxTransfersPerClient: 2 });
  const clients = await Promise.all([RawClient.open(), RawClient.open(), RawClient.open()]);
  const other = await RawClient.open('127.0.0.2');
  try {
    for (const c of clients.slice(0, 2)) {
      c.rrq(capped.port, 'ipxe.efi');
      assert.equal((await c.recv()).packet.op, 'DATA');
    }
    clients[2]!.rrq(capped.port, 'ipxe.efi');
    assert.deepEqual((await clients[2]!.recv()).packet, {
      op: 'ERROR',
      code: 0,
      message: 'server busy: 2 transfers from 127.0.0.1 already (tftp max transfers per client)',
    });
    other.rrq(capped.port, 'text.txt');
    assert.equal((await other.recv()).packet.op, 'DATA', 'another address is not limited');
    assert.equal(capped.stats().rejected.perClient, 1);
  } finally {
    for (const c of [...clients, other]) c.close();
    await capped.close();
  }
});

test('server.close ends running transfers; bad root and busy port are clear errors', async () => {
  const s = await startTestServer(fx.root);
  const c = await RawClient.open();
  c.rrq(s.port, 'ipxe.efi');
  await c.recv();
  assert.equal(s.stats().active, 1);
  await s.close();
  await s.close();
  assert.equal(s.stats().active, 0);
  assert.equal(s.stats().outcomes.closed, 1);
  c.close();
  await assert.rejects(startTestServer(join(fx.dir, 'nope')), { code: 'TFTP_ROOT_INVALID', message: /nope cannot be read \(ENOENT\)/ });
  await assert.rejects(startTestServer(join(fx.root, 'text.txt')), { code: 'TFTP_ROOT_INVALID', message: /not a directory/ });
  await assert.rejects(startTestServer(fx.root, { port: server.port }), {
    code: 'TFTP_LISTEN_FAILED',
    message: /^TFTP: 127\.0\.0\.1:\d+ is in use \(set 'tftp port' in muster\.conf/,
  });
});
