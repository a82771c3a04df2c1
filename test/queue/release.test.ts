import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend, freshDb, type TestDb } from '../helpers/db.js';
import { claimJob, finishJob, setSlots } from '../../src/queue/lifecycle.js';
import { hostIdentity } from '../../src/queue/host.js';
import { addJobs, cancelJob, getJob, releaseJob } from '../../src/queue/index.js';
import { addNodes } from './fixture.js';

// `job release`: the operator takes back the job of a daemon whose host is gone for good.
await describeEachBackend('job release', (kind) => {
  let t: TestDb;
  let macs: string[];
  let claims = 0;
  const here = hostIdentity();
  before(async () => {
    t = await freshDb(kind);
    macs = await addNodes(t.db, 3);
    await setSlots(t.db, 3);
    const owners = `INSERT INTO job_owners (owner, host, boot_id, pid, pid_start, exits) VALUES ($1, $2, $3, 2147483646, 1, '/nonexistent')`;
    await t.db.query(owners, ['far', 'a-host-that-died', 'its-boot']);
    await t.db.query(owners, ['near', here.host, here.bootId]);
  });
  after(() => t.cleanup());

  const expire = (id: number) => t.db.query(`UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = $1`, [id]);
  const err = (code: string, message: RegExp) => ({ code, message });

  it("takes back a far daemon's job once its lease ran out: queued again, attempt counted, the old holder fenced out", async () => {
    const [ref] = await addJobs(t.db, [{ node: macs[0]!, jig: 'noop', maxAttempts: 2 }]);
    const held = await claimJob(t.db, 'far', ++claims, 30);
    assert.equal(held?.id, ref!.id);
    await assert.rejects(releaseJob(t.db, ref!.id), err('JOB_NOT_RELEASABLE', /held by daemon far, which renews its lease \(it is alive\)/));
    assert.equal((await getJob(t.db, ref!.id)).state, 'running', 'a refused release changes nothing');
    await expire(ref!.id);
    const job = await releaseJob(t.db, ref!.id);
    assert.equal(job.state, 'queued');
    assert.equal(job.attempts, 1);
    assert.match(job.error ?? '', /released by the operator: daemon far on host a-host-that-died taken for gone/);
    assert.equal(await finishJob(t.db, held!, 'far', { kind: 'succeeded' }, null), null, 'the old holder cannot finish it');
    await assert.rejects(releaseJob(t.db, ref!.id), err('JOB_NOT_RUNNING', /is queued: only a running job is released/));
    await cancelJob(t.db, ref!.id);
  });

  it('refuses a job of a daemon on this host (its reaper takes it back), unknown jobs and node tasks', async () => {
    const [near, task] = await addJobs(t.db, [
      { node: macs[1]!, jig: 'noop' },
      { node: macs[2]!, jig: 'noop' },
    ]);
    assert.ok(await claimJob(t.db, 'near', ++claims, 30));
    await expire(near!.id);
    await assert.rejects(releaseJob(t.db, near!.id), err('JOB_NOT_RELEASABLE', /held by daemon near on this host/));
    assert.ok(await claimJob(t.db, 'far', ++claims, 30));
    await t.db.query(`UPDATE jobs SET locked_by = 'node' WHERE id = $1`, [task!.id]);
    await assert.rejects(releaseJob(t.db, task!.id), err('JOB_NOT_RELEASABLE', /node task waiting for its node: cancel it instead/));
    await assert.rejects(releaseJob(t.db, 987654), err('JOB_NOT_FOUND', /no job 987654/));
  });
});
