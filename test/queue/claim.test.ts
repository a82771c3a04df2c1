import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend, freshDb, type TestDb } from '../helpers/db.js';
import { claimJob, finishJob, setSlots } from '../../src/queue/lifecycle.js';
import { reapJobs, type Owner } from '../../src/queue/reaper.js';
import { hostIdentity } from '../../src/queue/host.js';
import { addJobs, cancelJob, getJob, retryJob } from '../../src/queue/index.js';
import { addNodes, eventsOf, jobStates } from './fixture.js';

await describeEachBackend('queue claim and transitions', (kind) => {
  let t: TestDb;
  let macs: string[];
  before(async () => {
    t = await freshDb(kind);
    macs = await addNodes(t.db, 4);
    await setSlots(t.db, 3);
  });
  after(() => t.cleanup());
  let claims = 0;
  const reaper: Owner = { owner: 'reaper', ...hostIdentity(), pid: process.pid, pidStart: 0, exits: '/nonexistent' };

  const drain = async () => {
    for (;;) {
      const j = await claimJob(t.db, 'drain', ++claims, 30);
      if (!j) return;
      await finishJob(t.db, j, 'drain', { kind: 'succeeded' }, null);
    }
  };

  it('claims per node in queue order, one running per node, at most the cap', async () => {
    const specs = [0, 0, 1, 0, 1, 2, 3].map((n) => ({ node: macs[n]!, jig: 'noop' }));
    const refs = await addJobs(t.db, specs);
    const a = await claimJob(t.db, 'w', ++claims, 30);
    const b = await claimJob(t.db, 'w', ++claims, 30);
    const c = await claimJob(t.db, 'w', ++claims, 30);
    assert.deepEqual([a?.id, b?.id, c?.id], [refs[0]!.id, refs[2]!.id, refs[5]!.id], 'heads of nodes 0, 1, 2');
    assert.equal(await claimJob(t.db, 'w', ++claims, 30), null, 'the cap of 3 slots is full');
    await finishJob(t.db, a!, 'w', { kind: 'succeeded' }, null);
    const d = await claimJob(t.db, 'w', ++claims, 30);
    assert.equal(d?.id, refs[1]!.id, "node 0's second job, before node 3's first");
    await assert.rejects(
      t.db.query(`UPDATE jobs SET state = 'running' WHERE id = $1`, [refs[3]!.id]),
      /jobs_one_running_per_node/,
      'the database itself refuses a second running job on one node',
    );
    for (const j of [b!, c!, d!]) await finishJob(t.db, j, 'w', { kind: 'succeeded' }, null);
    await drain();
    assert.deepEqual(
      await jobStates(
        t.db,
        refs.map((r) => r.id),
      ),
      refs.map(() => 'succeeded'),
    );
    assert.deepEqual(await eventsOf(t.db, refs[0]!.id), ['job.queued', 'job.succeeded']);
  });

  it('a failed chain step cancels the rest of its chain, not the node', async () => {
    const refs = await addJobs(
      t.db,
      [
        { node: macs[0]!, jig: 'noop' },
        { node: macs[0]!, jig: 'noop' },
        { node: macs[0]!, jig: 'noop' },
      ],
      { chain: true },
    );
    const other = await addJobs(t.db, [{ node: macs[0]!, jig: 'noop' }]);
    const first = await claimJob(t.db, 'w', ++claims, 30);
    assert.equal(first?.id, refs[0]!.id);
    assert.equal(await finishJob(t.db, first!, 'w', { kind: 'failed', error: 'boom' }, null), 'failed');
    assert.deepEqual(
      await jobStates(
        t.db,
        [...refs, ...other].map((r) => r.id),
      ),
      ['failed', 'cancelled', 'cancelled', 'queued'],
    );
    const rest = await getJob(t.db, refs[2]!.id);
    assert.match(rest.error ?? '', /chain step 1 \(job \d+, noop\) failed: boom/);
    const next = await claimJob(t.db, 'w', ++claims, 30);
    assert.equal(next?.id, other[0]!.id, 'the node goes on with its next job');
    await finishJob(t.db, next!, 'w', { kind: 'succeeded' }, null);
  });

  it('retries a failed attempt with backoff while attempts remain, then fails', async () => {
    const [ref] = await addJobs(t.db, [{ node: macs[1]!, jig: 'noop', maxAttempts: 2 }]);
    const j1 = await claimJob(t.db, 'w', ++claims, 30);
    assert.equal(await finishJob(t.db, j1!, 'w', { kind: 'failed', error: 'first' }, null, 60_000), 'queued');
    assert.equal(await claimJob(t.db, 'w', ++claims, 30), null, 'not before run_after');
    await t.db.query(`UPDATE jobs SET run_after = now() WHERE id = $1`, [ref!.id]);
    const j2 = await claimJob(t.db, 'w', ++claims, 30);
    assert.equal(j2?.attempts, 2);
    assert.equal(await finishJob(t.db, j2!, 'w', { kind: 'failed', error: 'second' }, null), 'failed');
    assert.deepEqual(await eventsOf(t.db, ref!.id), ['job.queued', 'job.retrying', 'job.failed']);
  });

  it('reaps an expired lease exactly once and fences the old owner out', async () => {
    const [ref] = await addJobs(t.db, [{ node: macs[2]!, jig: 'noop', maxAttempts: 2 }]);
    const j = await claimJob(t.db, 'dead', ++claims, 30);
    await t.db.query(`UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = $1`, [j!.id]);
    const counts = await Promise.all([reapJobs(t.db, reaper, () => 0), reapJobs(t.db, reaper, () => 0)]);
    assert.equal(counts[0]! + counts[1]!, 1, 'two reapers, one take-back');
    const job = await getJob(t.db, ref!.id);
    assert.equal(job.state, 'queued');
    assert.equal(job.attempts, 1);
    assert.match(job.error ?? '', /lease expired: daemon dead/);
    assert.equal(await finishJob(t.db, j!, 'dead', { kind: 'succeeded' }, null), null, 'the zombie cannot finish it');
    const again = await claimJob(t.db, 'alive', ++claims, 30);
    assert.equal(again?.attempts, 2);
    await t.db.query(`UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = $1`, [j!.id]);
    await reapJobs(t.db, reaper, () => 0);
    assert.equal((await getJob(t.db, ref!.id)).state, 'failed', 'out of attempts');
    const { rows } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE slot IS NOT NULL`);
    assert.equal(rows[0]!.n, 0, 'every slot given back');
  });

  it("a dead daemon's job: only a daemon on its host takes it back, at once (issue 8, defect 4)", async () => {
    const owners = `INSERT INTO job_owners (owner, host, boot_id, pid, pid_start, exits) VALUES ($1, $2, $3, 2147483646, 1, '/nonexistent')`;
    await t.db.query(owners, ['far', 'another-host', reaper.bootId]);
    await t.db.query(owners, ['near', reaper.host, reaper.bootId]);
    const [far, near] = await addJobs(t.db, [
      { node: macs[0]!, jig: 'noop', maxAttempts: 2 },
      { node: macs[1]!, jig: 'noop', maxAttempts: 2 },
    ]);
    assert.equal((await claimJob(t.db, 'far', ++claims, 30))?.id, far!.id);
    assert.equal((await claimJob(t.db, 'near', ++claims, 30))?.id, near!.id);
    await t.db.query(`UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = $1`, [far!.id]);
    assert.equal(await reapJobs(t.db, reaper, () => 0), 1, 'the lease of the near one has not run out, but its daemon is gone');
    assert.deepEqual(await jobStates(t.db, [far!.id, near!.id]), ['running', 'queued']);
    assert.match((await getJob(t.db, near!.id)).error ?? '', /daemon near died while holding it/);
    await t.db.query(`UPDATE jobs SET state = 'cancelled', slot = NULL, locked_by = NULL, finished_at = now() WHERE id = $1`, [far!.id]);
    await t.db.query(`DELETE FROM job_owners`);
    await drain();
  });

  it('an idempotency key queues once', async () => {
    const a = await addJobs(t.db, [{ node: macs[3]!, jig: 'noop', idempotencyKey: 'k1' }]);
    const b = await addJobs(t.db, [{ node: macs[3]!, jig: 'noop', idempotencyKey: 'k1' }]);
    assert.equal(a[0]!.id, b[0]!.id);
    assert.deepEqual([a[0]!.created, b[0]!.created], [true, false]);
    await drain();
  });

  it('refuses bad input with clear errors and writes nothing', async () => {
    const before = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs`);
    const ok = { node: macs[0]!, jig: 'noop' };
    await assert.rejects(addJobs(t.db, [ok, { node: macs[0]!, jig: 'frobnicate' }]), {
      code: 'JIG_UNKNOWN',
      message: /no jig named 'frobnicate'; known jigs: node, noop, script, wait/,
    });
    await assert.rejects(addJobs(t.db, [ok, { node: '02:ff:ff:ff:ff:ff', jig: 'noop' }]), { code: 'NODE_NOT_FOUND', message: /02:ff:ff:ff:ff:ff/ });
    await assert.rejects(addJobs(t.db, [ok, { node: 'nonsense', jig: 'noop' }]), { code: 'MAC_INVALID' });
    await assert.rejects(addJobs(t.db, [ok, { node: macs[0]!, jig: 'script', args: {} }]), { code: 'JIG_ARGS_INVALID', message: /run:/ });
    await assert.rejects(addJobs(t.db, [ok, { node: macs[0]!, jig: 'script', args: { run: '../../bin/sh' } }]), {
      code: 'JIG_ARGS_INVALID',
      message: /no "\.\." segments/,
    });
    await assert.rejects(addJobs(t.db, [ok, { node: macs[0]!, jig: 'wait', args: { field: 'secret', equals: 'x' } }]), {
      code: 'JIG_ARGS_INVALID',
      message: /field/,
    });
    await assert.rejects(addJobs(t.db, [ok, { node: macs[0]!, jig: 'noop', maxAttempts: 0 }]), { code: 'REQUEST_INVALID' });
    const afterwards = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs`);
    assert.equal(afterwards.rows[0]!.n, before.rows[0]!.n, 'nothing half-written');
  });

  it('cancel: queued at once, running by request, finished refused; retry refused while active', async () => {
    const [q1, q2] = await addJobs(t.db, [
      { node: macs[1]!, jig: 'noop' },
      { node: macs[1]!, jig: 'noop' },
    ]);
    assert.equal((await cancelJob(t.db, q1!.id)).state, 'cancelled');
    const run = await claimJob(t.db, 'w', ++claims, 30);
    assert.equal(run?.id, q2!.id, 'cancelling the head hands the marker on');
    await assert.rejects(retryJob(t.db, q2!.id), { code: 'JOB_ACTIVE', message: /is running; only a finished job/ });
    const asked = await cancelJob(t.db, q2!.id);
    assert.equal(asked.state, 'running');
    assert.equal(asked.cancelRequested, true);
    await finishJob(t.db, run!, 'w', { kind: 'cancelled', error: 'cancelled while running' }, null);
    await assert.rejects(cancelJob(t.db, q2!.id), { code: 'JOB_FINISHED', message: /been cancelled already/ });
    await assert.rejects(cancelJob(t.db, 999_999), { code: 'JOB_NOT_FOUND' });
    const again = await retryJob(t.db, q2!.id);
    assert.ok(again.id > q2!.id);
    assert.equal((await getJob(t.db, again.id)).state, 'queued');
    await drain();
    await assert.rejects(cancelJob(t.db, again.id), { code: 'JOB_FINISHED', message: /has succeeded already/ });
  });
});
