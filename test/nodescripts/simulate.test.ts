import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { nodescriptRoutes } from '../../src/api/nodescripts.js';
import { silentLogger } from '../../src/log.js';
import { getNodeByMac } from '../../src/nodes/index.js';
import { startProvisiondServer, type ProvisiondServer } from '../../src/nodescripts/provisiond-server.js';
import { simulate, simulatedMac } from '../../src/nodescripts/simulate.js';
import { fixture, writeModule, type Fixture } from './fixture.js';

describe('simulate: N nodes over HTTP and 987', () => {
  let f: Fixture;
  let app: FastifyInstance;
  let wire: ProvisiondServer;
  before(async () => {
    f = await fixture('pglite');
    await writeModule(f.statedir, 'init/all/10-a', '#!/bin/sh\necho "echo a $NODENAME"\n');
    app = Fastify();
    await app.register(nodescriptRoutes({ service: f.service }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    wire = await startProvisiondServer({ service: f.service, log: silentLogger(), port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await wire.close();
    await app.close();
    await f.cleanup();
  });

  it('987: new nodes are auto-added on init, then ready works for them', async () => {
    const r = await simulate({ host: '127.0.0.1', port: wire.port, proto: '987', nodes: 12, concurrency: 4, states: ['init', 'ready'] });
    assert.equal(r.requests, 24);
    assert.equal(r.failed, 0, r.errors.join('\n'));
    assert.ok(r.latencyMs.min <= r.latencyMs.p50 && r.latencyMs.p50 <= r.latencyMs.p99 && r.latencyMs.p99 <= r.latencyMs.max);
    assert.equal((await getNodeByMac(f.db, simulatedMac(11)))?.status, 'ready');
  });

  it('http: unknown nodes asking for ready are counted as failures with the reason', async () => {
    const r = await simulate({
      host: '127.0.0.1',
      port: (app.server.address() as { port: number }).port,
      proto: 'http',
      nodes: 3,
      concurrency: 3,
      states: ['ready'],
      macOffset: 100,
    });
    assert.equal(r.failed, 3);
    assert.match(r.errors[0]!, /is not registered/);
  });

  it('refuses bad arguments', async () => {
    await assert.rejects(simulate({ host: '127.0.0.1', port: 1, proto: 'http', nodes: 0, concurrency: 1, states: ['init'] }), /--nodes/);
    await assert.rejects(simulate({ host: '127.0.0.1', port: 1, proto: 'http', nodes: 1, concurrency: 1, states: ['a-b'] }), /not a state/);
  });
});
