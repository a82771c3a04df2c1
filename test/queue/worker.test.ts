import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before, it } from 'node:test';
import type { Db } from '../../src/db/index.js';
import { silentLogger } from '../../src/log.js';
import { addJobs, cancelJob, completeNodeTask, getJob, startQueue, takeNodeTasks, type QueueHandle } from '../../src/queue/index.js';
import { describeEachBackend, freshDb, type TestDb } from '../helpers/db.js';
import { addNodes, eventsOf } from './fixture.js';
import { until } from '../helpers/until.js';

await describeEachBackend('queue workers and jigs', (kind) => {
  let t: TestDb;
  let macs: string[];
  let q: QueueHandle | null = null;
  before(async () => {
    t = await freshDb(kind);
    macs = await addNodes(t.db, 3);
    await mkdir(join(t.statedir, 'jigs'), { recursive: true });
  });
  afterEach(async () => {
    await q?.stop({ graceMs: 0 });
    q = null;
  });
  after(() => t.cleanup());

  /**
   * Long enough that a loaded machine renews in time: an attempt not renewed for two thirds of its
   * lease is aborted as lost (with 2 s, a busy PGlite thread made a successful script "lease lost").
   */
  const LEASE_SECONDS = 10;
  const start = async (extra: { logLimit?: number; db?: Db; workers?: number } = {}) => {
    q = await startQueue({
      db: t.db,
      workers: extra.workers ?? 3,
      concurrency: 3,
      leaseSeconds: LEASE_SECONDS,
      log: silentLogger(),
      statedir: t.statedir,
      pollMs: 100,
      retryBaseMs: 50,
      jigContext: { waitPollMs: 50, perceus: { VNFSMETHOD: 'http', VNFSMASTER: '10.0.0.1', VNFSPREFIX: '' } },
      ...extra,
    });
    return q;
  };
  const script = async (name: string, body: string) => {
    await writeFile(join(t.statedir, 'jigs', name), `#!/bin/sh\n${body}\n`);
    await chmod(join(t.statedir, 'jigs', name), 0o755);
  };
  const finished = (id: number) =>
    until(
      `job ${id} to finish`,
      () => getJob(t.db, id),
      (j) => ['succeeded', 'failed', 'cancelled'].includes(j.state),
    );

  it('script: Perceus environment plus JOB_ args, output in the log, exit status decides', async () => {
    await script(
      'env.sh',
      'echo "$NODENAME $NODEID $VNFSMASTER $PATH $JOB_ROLE"; echo to-stderr >&2; env | sort > "$STATEDIR/env-$JOB_CODE.out"; exit $JOB_CODE',
    );
    await start();
    const [ok, bad] = await addJobs(t.db, [
      { node: macs[0]!, jig: 'script', args: { run: 'env.sh', role: 'compute', code: '0' } },
      { node: macs[0]!, jig: 'script', args: { run: 'env.sh', role: 'compute', code: '7' } },
    ]);
    const a = await finished(ok!.id);
    assert.equal(a.state, 'succeeded', JSON.stringify(a));
    assert.match(a.log, /^n0000 02:00:00:00:00:00 10\.0\.0\.1 \/bin:\/usr\/bin:\/sbin:\/usr\/sbin compute\n/);
    assert.match(a.log, /to-stderr/);
    const env = await readFile(join(t.statedir, 'env-0.out'), 'utf8');
    for (const v of ['STATE', 'VNFS', 'ENABLED=1', 'DEBUG=$', 'GROUPNAME', 'IPADDR', 'VNFSMETHOD=http', 'VNFSPREFIX', 'JOB_RUN=env.sh']) {
      assert.match(env, new RegExp(`^${v}`, 'm'));
    }
    assert.doesNotMatch(env, /^HOME=/m, 'nothing of the daemon environment leaks in');
    const b = await finished(bad!.id);
    assert.equal(b.state, 'failed', JSON.stringify(b));
    assert.match(b.error ?? '', /exited with status 7/);
  });

  it('script past its deadline: the whole process group is killed', async () => {
    await script('hang.sh', 'sleep 300 & echo $! > "$STATEDIR/child.pid"; sleep 300');
    await start();
    const [ref] = await addJobs(t.db, [{ node: macs[1]!, jig: 'script', args: { run: 'hang.sh' }, timeoutSeconds: 1 }]);
    const job = await finished(ref!.id);
    assert.equal(job.state, 'failed');
    assert.match(job.error ?? '', /deadline of 1 s passed; its processes were killed/);
    const pid = Number((await readFile(join(t.statedir, 'child.pid'), 'utf8')).trim());
    await until(
      'the background child to die',
      async () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      (dead) => dead,
      5000,
    );
  });

  it('output without bound is kept to the log limit, head and tail', async () => {
    await script('loud.sh', 'echo FIRST; yes spam | head -c 5000000; echo; echo LAST');
    await start({ logLimit: 8192 });
    const [ref] = await addJobs(t.db, [{ node: macs[1]!, jig: 'script', args: { run: 'loud.sh' } }]);
    const job = await finished(ref!.id);
    assert.equal(job.state, 'succeeded');
    assert.ok(job.log.length < 8192 + 200, `log is ${job.log.length} chars`);
    assert.match(job.log, /^FIRST\n/);
    assert.match(job.log, /characters of output dropped/);
    assert.match(job.log, /LAST\n$/);
  });

  it('a run that lasts gets its job.started event before its end; a quick one shows only its end', async () => {
    // The slow run lasts until its job.started event is stored, however slow the machine.
    await script('slow.sh', 'while [ ! -e "$STATEDIR/slow.go" ]; do sleep 0.05; done');
    await start();
    const [slow, quick] = await addJobs(t.db, [
      { node: macs[0]!, jig: 'script', args: { run: 'slow.sh' } },
      { node: macs[1]!, jig: 'noop' },
    ]);
    await until(
      "the slow job's job.started event",
      () => eventsOf(t.db, slow!.id),
      (e) => e.includes('job.started'),
    );
    await writeFile(join(t.statedir, 'slow.go'), '');
    assert.equal((await finished(slow!.id)).state, 'succeeded');
    assert.equal((await finished(quick!.id)).state, 'succeeded');
    assert.deepEqual(await eventsOf(t.db, slow!.id), ['job.queued', 'job.started', 'job.succeeded']);
    assert.deepEqual(await eventsOf(t.db, quick!.id), ['job.queued', 'job.succeeded']);
  });

  it('missing script fails at once without retries', async () => {
    await start();
    const [ref] = await addJobs(t.db, [{ node: macs[1]!, jig: 'script', args: { run: 'nope.sh' }, maxAttempts: 3 }]);
    const job = await finished(ref!.id);
    assert.equal(job.state, 'failed');
    assert.equal(job.attempts, 1);
    assert.match(job.error ?? '', /nope\.sh does not exist or is not executable/);
  });

  it('cancel of a running script aborts it; the node goes on', async () => {
    await script('long.sh', 'sleep 30');
    const qh = await start();
    const [long, next] = await addJobs(t.db, [
      { node: macs[2]!, jig: 'script', args: { run: 'long.sh' } },
      { node: macs[2]!, jig: 'noop' },
    ]);
    await until(
      'the script to run',
      () => getJob(t.db, long!.id),
      (j) => j.state === 'running',
    );
    await cancelJob(t.db, long!.id);
    assert.equal((await finished(long!.id)).state, 'cancelled');
    assert.equal((await finished(next!.id)).state, 'succeeded');
    assert.equal(qh.stats().cancelled, 1);
  });

  it('graceful stop releases what outlives the grace period', async () => {
    await script('long.sh', 'sleep 30');
    const qh = await start();
    const [ref] = await addJobs(t.db, [{ node: macs[2]!, jig: 'script', args: { run: 'long.sh' } }]);
    await until(
      'the script to run',
      () => getJob(t.db, ref!.id),
      (j) => j.state === 'running',
    );
    await qh.stop({ graceMs: 200 });
    q = null;
    const job = await getJob(t.db, ref!.id);
    assert.deepEqual([job.state, job.attempts, job.lockedBy], ['queued', 0, null]);
    await cancelJob(t.db, ref!.id);
  });

  it('node task: handed out once in the ready script, completed by the reported status', async () => {
    await start();
    const [ref, after] = await addJobs(t.db, [
      { node: macs[0]!, jig: 'node', args: { run: 'echo hi; exit 3' } },
      { node: macs[0]!, jig: 'noop' },
    ]);
    await until(
      'the task to wait for the node',
      () => getJob(t.db, ref!.id),
      (j) => j.lockedBy === 'node',
    );
    const lost = await takeNodeTasks(t.db, macs[0]!);
    assert.equal((await takeNodeTasks(t.db, macs[0]!)).text, '', 'offered to one script at a time');
    await lost.settle(false);
    const tasks = await takeNodeTasks(t.db, macs[0]!);
    assert.equal(tasks.text.replace(/MUSTER_TASK_\w+/g, ''), lost.text.replace(/MUSTER_TASK_\w+/g, ''), 'a script that was not written offers its tasks again');
    await tasks.settle(true);
    assert.equal((await takeNodeTasks(t.db, macs[0]!)).text, '', 'handed out once');
    const out = execFileSync('sh', ['-c', tasks.text], { encoding: 'utf8' });
    assert.equal(out, `hi\nmuster-task ${ref!.id} exit 3\n`);
    assert.equal((await getJob(t.db, after!.id)).state, 'queued', 'the node runs one task at a time');
    assert.equal(await completeNodeTask(t.db, ref!.id, 3), 'failed');
    await assert.rejects(completeNodeTask(t.db, ref!.id, 0), { code: 'NODE_TASK_NOT_PENDING' });
    assert.equal((await finished(after!.id)).state, 'succeeded');
  });

  it('node task never reported: failed at its deadline', async () => {
    await start();
    const [ref] = await addJobs(t.db, [{ node: macs[1]!, jig: 'node', args: { run: 'true' }, timeoutSeconds: 1 }]);
    const job = await finished(ref!.id);
    assert.equal(job.state, 'failed');
    assert.match(job.error ?? '', /did not report the task before its deadline/);
  });

  it('wait: holds the node until its record matches, fails at the deadline otherwise', async () => {
    await start();
    const [w, next] = await addJobs(t.db, [
      { node: macs[2]!, jig: 'wait', args: { equals: 'ready' }, timeoutSeconds: 30 },
      { node: macs[2]!, jig: 'noop' },
    ]);
    // At least one check ran and snoozed (started, queued again); the node's next job waits.
    await until(
      'the wait job to check once',
      () => getJob(t.db, w!.id),
      (j) => j.startedAt !== null && j.state === 'queued',
    );
    assert.equal((await getJob(t.db, next!.id)).state, 'queued');
    await t.db.query(`UPDATE nodes SET status = 'ready' WHERE mac = $1`, [macs[2]]);
    assert.equal((await finished(w!.id)).state, 'succeeded');
    assert.equal((await finished(next!.id)).state, 'succeeded');
    const [late] = await addJobs(t.db, [{ node: macs[2]!, jig: 'wait', args: { field: 'bootenv', equals: 'local' }, timeoutSeconds: 1 }]);
    const job = await finished(late!.id);
    assert.equal(job.state, 'failed');
    assert.match(job.error ?? '', /bootenv is discovery, not local, at the deadline/);
  });

  it('a node task retried after its deadline is handed to the node again (issue 8, defect 1)', async () => {
    await start();
    const [ref] = await addJobs(t.db, [{ node: macs[1]!, jig: 'node', args: { run: 'true' }, timeoutSeconds: 1, maxAttempts: 2 }]);
    const task = new RegExp(`muster_task_done ${ref!.id} \\$\\? "\\$muster_out" (\\d+)\n`);
    await until(
      'attempt 1 to wait for the node',
      () => getJob(t.db, ref!.id),
      (j) => j.lockedBy === 'node' && j.attempts === 1,
    );
    const first = Number(task.exec((await takeNodeTasks(t.db, macs[1]!)).text)?.[1]);
    await until(
      'attempt 2 to wait for the node',
      () => getJob(t.db, ref!.id),
      (j) => j.lockedBy === 'node' && j.attempts === 2,
    );
    const second = Number(task.exec((await takeNodeTasks(t.db, macs[1]!)).text)?.[1]);
    assert.ok(first > 0 && second > 0 && first !== second, `the second attempt reaches the node under its own claim (${first}, ${second})`);
    // The node's late report of attempt 1 does not end attempt 2; attempt 2's does.
    await assert.rejects(completeNodeTask(t.db, ref!.id, 0, { claim: first }), { code: 'NODE_TASK_NOT_PENDING' });
    assert.equal((await getJob(t.db, ref!.id)).state, 'running');
    assert.equal(await completeNodeTask(t.db, ref!.id, 0, { claim: second }), 'succeeded');
  });

  it('a finish whose reply was lost after it committed: the job it claimed runs, nothing is failed (issue 8, defect 3)', async () => {
    let lose = 1;
    const lossy = new Proxy(t.db, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target) as unknown;
        if (prop !== 'query') return typeof v === 'function' ? v.bind(target) : v;
        return async (sql: string, params?: unknown[]) => {
          const r = await target.query(sql, params);
          if (lose > 0 && sql.includes('muster_finish_and_claim')) {
            lose -= 1;
            throw new Error('test: connection lost after the commit');
          }
          return r;
        };
      },
    });
    // One worker: the first job's finish claims the second, and that reply is lost.
    const [a, b] = await addJobs(t.db, [
      { node: macs[0]!, jig: 'noop' },
      { node: macs[1]!, jig: 'noop' },
    ]);
    const qh = await start({ db: lossy, workers: 1 });
    assert.equal((await finished(a!.id)).state, 'succeeded');
    const job = await finished(b!.id);
    assert.deepEqual([job.state, job.attempts, job.error], ['succeeded', 1, null]);
    assert.equal(lose, 0, 'a reply was lost');
    // (the worker counts a job once the reply of its finish is in, just after the commit)
    await until(
      'the worker to count both',
      async () => qh.stats().succeeded,
      (n) => n >= 2,
    );
    assert.equal(qh.stats().succeeded, 2, 'the retry reports what the lost call did');
  });
});
