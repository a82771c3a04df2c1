/**
 * Boot storm: N simulated nodes ask for `init` at once, each rendering M trivial shell modules
 * (N×M module processes). Prints nodes/s and latency next to the floor measured in the same
 * run: this machine's bare fork+exec of /bin/sh at the same concurrency, N×M times.
 * Run: npx tsx bench/storm.ts [N...]   (default 1000 10000; embedded PGlite database)
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { nodescriptRoutes } from '../src/api/nodescripts.js';
import { openPglite } from '../src/db/index.js';
import { silentLogger } from '../src/log.js';
import { addNodes } from '../src/nodes/index.js';
import { startProvisiondServer } from '../src/nodescripts/provisiond-server.js';
import { NodescriptService } from '../src/nodescripts/service.js';
import { simulate, simulatedMac } from '../src/nodescripts/simulate.js';
import { DEFAULTS, writeModule } from '../test/nodescripts/fixture.js';
import { freshPgliteStatedir } from '../test/helpers/db.js';

const MODULES = 5;
const CAP = 4 * availableParallelism();
const CLIENTS = 256;

/** Spawns/s of `/bin/sh -c 'echo …'` with `width` at once: the floor any renderer pays. */
async function spawnRate(total: number, width: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const c = spawn('/bin/sh', ['-c', 'echo "echo m"'], { stdio: ['ignore', 'pipe', 'ignore'] });
      c.stdout.resume();
      c.on('error', reject);
      c.on('close', () => resolve());
    });
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next++ < total) await one();
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

const counts = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const sizes = counts.length ? counts : [1000, 10_000];
const statedir = await freshPgliteStatedir();
const db = await openPglite(join(statedir, 'pgdata'));
for (let m = 1; m <= MODULES; m++) await writeModule(statedir, `init/all/${m}0-trivial`, `#!/bin/sh\necho "echo module ${m} for $NODENAME"\n`);
const service = new NodescriptService({
  db,
  log: silentLogger(),
  concurrency: CAP,
  defaults: DEFAULTS,
  render: {
    statedir,
    limits: { timeoutMs: 30_000, outputLimit: 1 << 24 },
    failurePolicy: 'ignore',
    vnfs: { vnfsMethod: 'http', vnfsMaster: '127.0.0.1', vnfsPrefix: '' },
  },
});
const app = Fastify();
await app.register(nodescriptRoutes({ service }));
await app.listen({ port: 0, host: '127.0.0.1' });
const httpPort = (app.server.address() as { port: number }).port;
// Every simulated node comes from 127.0.0.1: lift the per-address bound to the client count.
const wire = await startProvisiondServer({ service, log: silentLogger(), port: 0, host: '127.0.0.1', maxConnectionsPerPeer: CLIENTS });

// Nodes are registered up front: the storm measures rendering, not first-boot auto-add.
const most = Math.max(...sizes);
for (let i = 0; i < most; i += 1000) {
  const batch = Array.from({ length: Math.min(1000, most - i) }, (_, k) => ({ mac: simulatedMac(i + k) }));
  await addNodes(db, batch, DEFAULTS);
}

console.log(`storm: ${MODULES} trivial shell modules per node, module cap ${CAP}, ${CLIENTS} nodes asking at once, PGlite`);
for (const n of sizes) {
  for (const proto of ['http', '987'] as const) {
    const floorRate = await spawnRate(n * MODULES, CAP);
    const r = await simulate({ host: '127.0.0.1', port: proto === 'http' ? httpPort : wire.port, proto, nodes: n, concurrency: CLIENTS, states: ['init'] });
    const floorSeconds = (n * MODULES) / floorRate;
    const l = r.latencyMs;
    console.log(
      `N=${String(n).padStart(5)} ${proto.padEnd(4)}  ${r.nodesPerSecond.toFixed(0).padStart(5)} nodes/s  p50 ${l.p50.toFixed(0)} ms  p99 ${l.p99.toFixed(0)} ms  ` +
        `failed ${r.failed}  | floor: ${floorRate.toFixed(0)} sh spawns/s → ${floorSeconds.toFixed(2)} s for ${n * MODULES}  | muster ${r.seconds.toFixed(2)} s = ${(r.seconds / floorSeconds).toFixed(2)}× floor`,
    );
    if (r.errors.length) console.log('  ' + r.errors.join('\n  '));
  }
}
await wire.close();
await app.close();
await db.close();
