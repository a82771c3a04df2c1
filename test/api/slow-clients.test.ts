import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildAdminApi, buildNodeApi, type RequestLimits } from '../../src/api/server.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { freshDb, type TestDb } from '../helpers/db.js';

// Short bounds so the test is quick; the defaults (NODE_/ADMIN_REQUEST_LIMITS) differ only in size.
const LIMITS: RequestLimits = { headersMs: 1000, requestMs: 2000, checkMs: 200 };
/** Far past LIMITS: a socket still open then was never going to be cut. */
const GIVE_UP_MS = 20_000;

interface Outcome {
  closed: boolean;
  reply: string;
}

/** Opens a real socket, writes `head`, then drips `drip` a byte at a time until the server closes it. */
function slowClient(port: number, head: string, drip: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let reply = '';
    let i = 0;
    const timer = setInterval(() => {
      if (!s.destroyed && s.writable) s.write(drip[i++ % drip.length]!);
    }, 100);
    const done = (closed: boolean) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      s.destroy();
      resolve({ closed, reply });
    };
    const giveUp = setTimeout(() => done(false), GIVE_UP_MS);
    s.on('data', (c) => (reply += c.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => done(true));
    s.write(head);
  });
}

describe('slow request bodies and headers are cut off (real sockets)', () => {
  let t: TestDb;
  let admin: FastifyInstance;
  let node: FastifyInstance;
  const port = (app: FastifyInstance) => (app.server.address() as AddressInfo).port;
  before(async () => {
    t = await freshDb('pglite');
    const { config } = await loadConfig({ env: {}, overrides: { statedir: t.statedir } });
    const deps = { db: t.db, config, log: silentLogger(), version: 'test', startedAt: new Date() };
    admin = await buildAdminApi(deps, 't'.repeat(43), [], LIMITS);
    node = await buildNodeApi(
      deps,
      [
        async (app) => {
          app.post('/report', async (req) => ({ got: String(req.body).length }));
        },
      ],
      LIMITS,
    );
    await admin.listen({ host: '127.0.0.1', port: 0 });
    await node.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await admin?.close();
    await node?.close();
    await t?.cleanup();
  });

  const body = (path: string, extra = '') =>
    `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'t'.repeat(43)}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n${extra}\r\n{"nodes":[`;

  it('node HTTP: headers then a dripping body get 408 and a close', async () => {
    const r = await slowClient(port(node), body('/report'), ' ');
    assert.ok(r.closed, 'still open after 20 s');
    assert.match(r.reply, /^HTTP\/1\.1 408 /);
  });

  it('node HTTP: headers that never end are cut too', async () => {
    const r = await slowClient(port(node), 'GET /boot.ipxe HTTP/1.1\r\nHost: x\r\n', 'X');
    assert.ok(r.closed, 'still open after 20 s');
  });

  it('admin API: a dripping body gets 408 and a close', async () => {
    const r = await slowClient(port(admin), body('/api/v1/nodes'), ' ');
    assert.ok(r.closed, 'still open after 20 s');
    assert.match(r.reply, /^HTTP\/1\.1 408 /);
  });

  it('a request sent at once is still served', async () => {
    const r = await fetch(`http://127.0.0.1:${port(admin)}/api/v1/health`);
    assert.equal(r.status, 200);
    const n = await fetch(`http://127.0.0.1:${port(node)}/report`, { method: 'POST', body: 'abc', headers: { 'content-type': 'text/plain' } });
    assert.equal(n.status, 200);
  });
});
