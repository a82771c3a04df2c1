/**
 * Issue 8 defect 5: a Postgres crash-restart while admin writes are in a transaction killed the
 * daemon ("Unhandled 'error' event … Connection terminated unexpectedly"). A real daemon against a
 * private server restarted `-m immediate` 10 times under write load must stay up, and every write
 * it acknowledged must be in the database afterwards.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import pg from 'pg';
import { migrate, openPg } from '../../src/db/index.js';
import { spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { privatePostgresUnavailable, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-pg.js';
import { requireOrSkip } from '../helpers/require.js';
import { until } from '../helpers/until.js';

const RESTARTS = 10;
const WRITERS = 6;
const skip = requireOrSkip(privatePostgresUnavailable());

let server: PrivatePostgres | undefined;
let daemon: TestDaemon | undefined;
after(async () => {
  await daemon?.stop();
  await server?.stop();
});

const mac = (i: number) =>
  `02:5e:00:${((i >> 16) & 0xff).toString(16).padStart(2, '0')}:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;

it(`the daemon survives ${RESTARTS} crash-restarts of Postgres under admin writes and keeps every acknowledged write [postgres]`, {
  skip,
  timeout: 600_000,
}, async () => {
  server = await startPrivatePostgres();
  const setup = await openPg(server.url, { max: 2 });
  await migrate(setup);
  await setup.close();
  daemon = await spawnDaemon({ databaseUrl: server.url });
  const d = daemon;
  let exited: string | null = null;
  void d.proc.then((r) => (exited = `exit ${r.exitCode} signal ${r.signal}: ${String(r.stderr).slice(-2000)}`));

  const acked: string[] = [];
  let failed = 0;
  let next = 0;
  let stop = false;
  // Each write adds one node in a transaction (naming lock, inserts, events): the path that crashed.
  const writer = async () => {
    while (!stop && !exited) {
      const m = mac(next++);
      const res = await fetch(`${d.info.api}/api/v1/nodes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ nodes: [{ mac: m }] }),
        signal: AbortSignal.timeout(30_000),
      }).catch(() => null);
      if (res?.status === 201) acked.push(m);
      else failed++;
      await res?.text().catch(() => undefined);
    }
  };
  const writers = Array.from({ length: WRITERS }, writer);
  try {
    for (let r = 0; r < RESTARTS; r++) {
      const before = acked.length;
      await until(`writes to be acknowledged before restart ${r + 1}`, () => exited !== null || acked.length >= before + 20, Boolean, 60_000);
      assert.equal(exited, null, `the daemon died before restart ${r + 1}`);
      await server.restart('immediate');
    }
    const before = acked.length;
    await until('writes to be acknowledged after the last restart', () => exited !== null || acked.length >= before + 20, Boolean, 60_000);
  } finally {
    stop = true;
    await Promise.all(writers);
  }
  assert.equal(exited, null, `the daemon stayed up (${acked.length} writes acknowledged, ${failed} refused)`);

  const c = new pg.Client({ connectionString: server.url });
  await c.connect();
  try {
    const { rows } = await c.query<{ mac: string }>('SELECT mac::text AS mac FROM nodes WHERE mac = ANY($1::macaddr[])', [acked]);
    const have = new Set(rows.map((x) => x.mac));
    const lost = acked.filter((m) => !have.has(m));
    assert.deepEqual(lost, [], `every acknowledged write is there (${acked.length} acknowledged, ${failed} refused)`);
  } finally {
    await c.end();
  }
});

it('a LISTEN survives a crash-restart of Postgres (the listening connection reconnects) [postgres]', { skip, timeout: 120_000 }, async () => {
  server ??= await startPrivatePostgres();
  const db = await openPg(server.url, { max: 2 });
  try {
    const got: string[] = [];
    await db.listen('muster_restart', (p) => got.push(p));
    await server.restart('immediate');
    const deadline = Date.now() + 60_000;
    while (!got.includes('after')) {
      if (Date.now() > deadline) throw new Error(`no notification after the restart (got ${JSON.stringify(got)})`);
      await db.query(`SELECT pg_notify('muster_restart', 'after')`).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await db.close();
  }
});
