import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Fastify, { type FastifyInstance } from 'fastify';
import { filesRoutes } from '../../src/api/files.js';
import { nodescriptRoutes } from '../../src/api/nodescripts.js';
import { useProblems } from '../../src/api/problem.js';
import { silentLogger } from '../../src/log.js';
import { startProvisiondServer, type ProvisiondServer } from '../../src/nodescripts/provisiond-server.js';
import { fixture, talk, writeModule, type Fixture } from './fixture.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A deterministic PRNG so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
}

const WORDS = [
  'init',
  'ready',
  'ping',
  'log',
  'nodeid=',
  'nodename=',
  '../',
  '%2e%2e',
  'zz:zz:zz:zz:zz:zz',
  '00:11:22:33:44:55',
  '\t',
  ' ',
  '=',
  '==',
  'single-user',
  '$(reboot)',
  '`id`',
  ';',
  '\r',
  '\u00e9',
  '\u0000',
  'x'.repeat(300),
];

function malformed987(r: () => number): { payload: Buffer; half: boolean } {
  const kind = Math.floor(r() * 5);
  if (kind === 0) return { payload: Buffer.from(Array.from({ length: 1 + Math.floor(r() * 600) }, () => Math.floor(r() * 256))), half: true };
  const n = 1 + Math.floor(r() * 6);
  let line = Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)]).join(r() < 0.5 ? ' ' : '');
  if (kind === 1) line = '-' + line; // never a valid state
  if (kind === 2) line = 'x'.repeat(5000) + line; // over the limit
  return { payload: Buffer.from(line + (kind === 4 ? '' : '\n')), half: kind === 4 };
}

function malformedHttp(r: () => number): string {
  const junk = Array.from({ length: 1 + Math.floor(r() * 5) }, () => encodeURIComponent(WORDS[Math.floor(r() * WORDS.length)]!)).join(r() < 0.5 ? '&' : '/');
  const paths = [
    `/nodescripts/${junk}`,
    `/nodescripts/init?${junk}`,
    `/nodescripts/init?hwaddr=${junk}`,
    `/files/${junk}`,
    `/files/files/${junk}`,
    `/nodescripts/init/report?${junk}`,
    `/provisiond?${junk}`,
  ];
  return paths[Math.floor(r() * paths.length)]!;
}

function httpRaw(port: number, path: string): Promise<{ status: number; closed: boolean }> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    let head = '';
    const t = setTimeout(() => {
      s.destroy();
      resolve({ status: 0, closed: false });
    }, 5000);
    s.on('data', (c) => (head += c.toString('latin1').slice(0, 64)));
    const done = (): void => {
      clearTimeout(t);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), closed: true });
    };
    s.on('end', done);
    s.on('error', done);
    s.on('connect', () => s.write(`${Math.random() < 0.2 ? 'POST' : 'GET'} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
  });
}

async function pool<T>(items: T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

describe('fuzz: 10,000 malformed inputs to 987 and HTTP', () => {
  let f: Fixture;
  let srv: ProvisiondServer;
  let app: FastifyInstance;
  let httpPort: number;
  before(async () => {
    f = await fixture('pglite');
    await writeModule(f.statedir, 'init/all/10-hello', '#!/bin/sh\necho "echo hello $NODENAME"\n');
    srv = await startProvisiondServer({
      service: f.service,
      log: silentLogger(),
      port: 0,
      host: '127.0.0.1',
      readTimeoutMs: 300,
      lineLimit: 1024,
      arpTable: '/dev/null',
    });
    app = Fastify();
    useProblems(app);
    await app.register(nodescriptRoutes({ service: f.service }));
    await app.register(filesRoutes({ statedir: f.statedir }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    httpPort = (app.server.address() as { port: number }).port;
  });
  after(async () => {
    await srv.close();
    await app.close();
    await f.cleanup();
  });

  it('answers and closes every connection, keeps serving, memory stays flat', async () => {
    const r = rng(0x5eed);
    const tcp = Array.from({ length: 6000 }, () => malformed987(r));
    const http = Array.from({ length: 4000 }, () => malformedHttp(r));
    let hung = 0;
    let unanswered = 0;
    const round = async (a: number, b: number): Promise<void> => {
      await pool(tcp.slice(a * 0.6, b * 0.6), 32, async (m) => {
        const res = await talk(srv.port, m.payload, { half: m.half, timeoutMs: 5000 });
        if (!res.closed) hung++;
        if (!res.text.startsWith('# PERCEUSD START\n')) unanswered++;
      });
      await pool(http.slice(a * 0.4, b * 0.4), 32, async (p) => {
        const res = await httpRaw(httpPort, p);
        if (!res.closed) hung++;
        if (res.status === 0 || res.status >= 500) unanswered++;
      });
    };
    await round(0, 2000); // warm up
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    await round(2000, 10_000);
    gc();
    const growth = process.memoryUsage().heapUsed - heapBefore;
    assert.equal(hung, 0, 'connections left open');
    assert.equal(unanswered, 0, 'requests without a proper answer');
    assert.ok(growth < 16 * 1024 * 1024, `heap grew ${(growth / 1048576).toFixed(1)} MiB over 8,000 requests`);
    // still serving a real node afterwards (the fuzz may have auto-added some: any free name)
    const ok = await talk(srv.port, 'init nodeid=00:00:00:00:00:42\n');
    assert.match(ok.text, /echo hello n\d{4}\n# NODESCRIPT END\n# PROVISIOND END\n$/);
    assert.ok(srv.counters.invalid > 1000);
  });
});
