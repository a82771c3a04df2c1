import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { startProvisiondServer, type ProvisiondServer } from '../../src/nodescripts/provisiond-server.js';
import { fixture, writeModule, type Fixture } from './fixture.js';

/** A socket from `from` (any 127.x address is this host) that collects what the server says. */
function open(port: number, from: string): Promise<{ sock: Socket; text: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const sock = connect({ port, host: '127.0.0.1', localAddress: from });
    let text = '';
    sock.on('data', (c) => (text += c.toString('latin1')));
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    sock.on('error', () => undefined);
    sock.once('connect', () => resolve({ sock, text: () => text, closed }));
    sock.once('error', reject);
  });
}

/** Waits for a socket to be closed by the server, with a generous bound. */
async function closedWithin(c: { closed: Promise<void> }, ms = 15_000): Promise<boolean> {
  return Promise.race([c.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
}

describe('provisiond (987) connection limits per peer and in all', () => {
  let f: Fixture;
  let srv: ProvisiondServer;
  const logLines: string[] = [];
  const held: Socket[] = [];
  before(async () => {
    f = await fixture('pglite');
    await writeModule(f.statedir, 'init/all/10-hello', '#!/bin/sh\necho "echo hello $NODENAME"\n');
    const log = pino({ level: 'warn' }, { write: (s: string) => void logLines.push(s) });
    srv = await startProvisiondServer({
      service: f.service,
      log,
      port: 0,
      host: '127.0.0.1',
      arpTable: '/dev/null',
      readTimeoutMs: 60_000,
      maxConnectionsPerPeer: 5,
      maxConnections: 8,
    });
  });
  after(async () => {
    for (const s of held) s.destroy();
    await srv?.close();
    await f?.cleanup();
  });

  it('one address past its bound gets a refusal script and a close; another address is still served', async () => {
    for (let i = 0; i < 5; i++) held.push((await open(srv.port, '127.0.0.1')).sock);
    for (let i = 0; i < 20; i++) {
      const c = await open(srv.port, '127.0.0.1');
      assert.ok(await closedWithin(c), `connection ${i + 6} from 127.0.0.1 was kept open`);
      assert.match(
        c.text(),
        /^# PERCEUSD START\n# NODESCRIPT START\necho 'muster: 127\.0\.0\.1 already has 5 connections open, the most one address may have \(muster.conf: provisiond connections per peer\); try again later' >&2\nexit 1\n# NODESCRIPT END\n# PROVISIOND END\n$/,
      );
    }
    const node = await open(srv.port, '127.0.0.2');
    node.sock.write('init nodeid=02:00:00:00:00:02\n');
    assert.ok(await closedWithin(node), 'the node from 127.0.0.2 got no complete answer');
    assert.match(node.text(), /echo hello n0000\n# NODESCRIPT END\n# PROVISIOND END\n$/);
    assert.equal(srv.counters.refused, 20);
  });

  it('logs a refusing address once per interval, not once per connection', () => {
    const lines = logLines.filter((l) => l.includes('provisiond refused a connection') && l.includes('"peer":"127.0.0.1"'));
    assert.equal(lines.length, 1, logLines.join(''));
  });

  it('past the bound in all, every address is refused until slots free up', async () => {
    for (let i = 0; i < 3; i++) held.push((await open(srv.port, `127.0.0.${3 + i}`)).sock);
    const c = await open(srv.port, '127.0.0.9');
    assert.ok(await closedWithin(c));
    assert.match(c.text(), /muster: the master has 8 connections open, its limit \(muster.conf: provisiond connections\)/);
    held.pop()!.destroy();
    const node = await open(srv.port, '127.0.0.9');
    // The freed slot is released when the server sees the close; poll for it instead of sleeping.
    let served = false;
    for (let attempt = 0; attempt < 50 && !served; attempt++) {
      const n = attempt === 0 ? node : await open(srv.port, '127.0.0.9');
      n.sock.write('init nodeid=02:00:00:00:00:09\n');
      await closedWithin(n);
      served = /echo hello/.test(n.text());
      if (!served) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(served, 'no slot came free after a held connection closed');
  });
});
