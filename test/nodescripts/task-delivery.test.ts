/**
 * Node tasks count as handed only once the script carrying them was written (issue 8, defect
 * 12). A raw client asks for `ready` and goes away before anything is written: over HTTP it
 * half-closes (the server then drops the request), on port 987 it resets the connection. Its
 * task is not handed; the node's next ordinary request gets it, once.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { after, before, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { nodescriptRoutes } from '../../src/api/nodescripts.js';
import { silentLogger } from '../../src/log.js';
import { addNode } from '../../src/nodes/index.js';
import { startProvisiondServer, type ProvisiondServer } from '../../src/nodescripts/provisiond-server.js';
import { addJobs, completeNodeTask, takeNodeTasks } from '../../src/queue/index.js';
import { claimJob, finishJob, setSlots } from '../../src/queue/lifecycle.js';
import { describeEachBackend } from '../helpers/db.js';
import { until } from '../helpers/until.js';
import { DEFAULTS, fixture, talk, writeModule, type Fixture } from './fixture.js';

const MAC = '02:00:00:00:0c:01';

/** Whether the kernel still lists an established loopback connection from `localPort` to `remotePort`. */
async function established(localPort: number, remotePort: number): Promise<boolean> {
  const hex = (p: number) => p.toString(16).toUpperCase().padStart(4, '0');
  const lines = (await readFile('/proc/net/tcp', 'utf8')).split('\n').slice(1);
  return lines.some((l) => {
    const [, local, remote, state] = l.trim().split(/\s+/);
    return local?.endsWith(`:${hex(localPort)}`) && remote?.endsWith(`:${hex(remotePort)}`) && state === '01';
  });
}

await describeEachBackend('node task delivery', (kind) => {
  let f: Fixture;
  let app: FastifyInstance;
  let port: number;
  let srv: ProvisiondServer;
  /** Holds each render before its tasks are taken until the test lets it go. */
  let gate: Promise<void> = Promise.resolve();

  before(async () => {
    f = await fixture(kind, {
      appendForState: async (node, state) => {
        await gate;
        return state === 'ready' ? takeNodeTasks(f.db, node.mac) : { text: '' };
      },
    });
    await addNode(f.db, { mac: MAC, name: 'task1' }, DEFAULTS);
    await writeModule(f.statedir, 'ready/all/10-ready', '#!/bin/sh\necho "echo ready"\n');
    await setSlots(f.db, 1);
    app = Fastify();
    await app.register(nodescriptRoutes({ service: f.service, keepaliveMs: 60_000 }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
    srv = await startProvisiondServer({ service: f.service, log: silentLogger(), port: 0, host: '127.0.0.1', keepaliveMs: 60_000, arpTable: '/dev/null' });
  });
  after(async () => {
    await srv.close();
    await app.close();
    await f.cleanup();
  });

  /** A node task waiting for its node, as the worker leaves it. */
  async function pendingTask(run: string): Promise<number> {
    const [ref] = await addJobs(f.db, [{ node: MAC, jig: 'node', args: { run } }]);
    const job = await claimJob(f.db, 'test', 1, 60);
    assert.equal(job?.id, ref!.id);
    await finishJob(f.db, job!, 'test', { kind: 'async' }, null);
    return ref!.id;
  }

  const handed = async (id: number) => {
    const { rows } = await f.db.query<{ handed: boolean; events: number }>(
      `SELECT handed_at IS NOT NULL AS handed, (SELECT count(*)::int FROM events WHERE kind = 'job.handed' AND (data->>'job')::bigint = $1) AS events
         FROM jobs WHERE id = $1`,
      [id],
    );
    return rows[0]!;
  };

  /** Ordinary requests until one carries the task (an offer of the lost request may still be settling). */
  async function fetchesTask(id: number, get: () => Promise<string>): Promise<void> {
    await until('a request that carries the task', get, (text) => text.includes(`muster_task_done ${id} `), 20_000);
    // The server records the handing once the write finished, a moment after the client read it.
    await until(
      'the task to count as handed',
      () => handed(id),
      (h) => h.handed,
    );
    assert.deepEqual(await handed(id), { handed: true, events: 1 });
    assert.doesNotMatch(await get(), /muster_task_done/, 'handed once');
  }

  /** Opens the gate once `gone` resolves: the render finishes after the client left. */
  async function lostRequest(send: () => Promise<Socket>, gone: (s: Socket) => Promise<void>): Promise<void> {
    let open!: () => void;
    gate = new Promise((r) => (open = r));
    const done = async () =>
      (await f.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE kind = 'nodescript.done' AND mac = $1`, [MAC])).rows[0]!.n;
    const before = await done();
    const sock = await send();
    await gone(sock);
    open();
    await until('the lost request to render', done, (n) => n > before);
    gate = Promise.resolve();
  }

  it('HTTP: a client that half-closes gets nothing and the task stays pending', async () => {
    const id = await pendingTask('echo one');
    await lostRequest(
      () =>
        new Promise((resolve) => {
          const s = connect({ port, host: '127.0.0.1' }, () => {
            s.end(`GET /nodescripts/ready?hwaddr=${MAC} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
            resolve(s);
          });
          s.resume();
        }),
      // Node's HTTP server answers a half-close by closing: the client sees the end.
      (s) => new Promise((resolve) => (s.readableEnded ? resolve() : s.once('end', () => resolve()))),
    );
    assert.deepEqual(await handed(id), { handed: false, events: 0 });
    await fetchesTask(id, async () => (await fetch(`http://127.0.0.1:${port}/nodescripts/ready?hwaddr=${MAC}`)).text());
    assert.equal(await completeNodeTask(f.db, id, 0), 'succeeded');
  });

  it('987: a client that resets before reading gets nothing and the task stays pending', async () => {
    const id = await pendingTask('echo two');
    let clientPort = 0;
    await lostRequest(
      () =>
        new Promise((resolve) => {
          const s = connect({ port: srv.port, host: '127.0.0.1' });
          s.once('data', () => {
            s.write(`ready nodeid=${MAC}\n`, () => {
              clientPort = s.localPort!;
              s.resetAndDestroy();
              resolve(s);
            });
          });
        }),
      // The server's side of the connection is gone once the kernel took the reset.
      async () => {
        await until(
          'the reset to arrive',
          () => established(srv.port, clientPort),
          (up) => !up,
        );
      },
    );
    assert.deepEqual(await handed(id), { handed: false, events: 0 });
    await fetchesTask(id, async () => (await talk(srv.port, `ready nodeid=${MAC}\n`)).text);
  });
});
