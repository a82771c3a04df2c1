import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { processStart } from '../../src/queue/host.js';
import { describeEachBackend, freshPgDatabase, freshPgliteStatedir, type Backend } from '../helpers/db.js';
import { spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';

// Issue 8: a daemon killed while a script job runs. The script is not stopped with its daemon (a
// script stopped at a random moment may have done all its work and not yet exited: it would run
// again); it runs to its end, and the next daemon on the host ends the job with the exit status
// it recorded, or kills it at the job's deadline. Either way it runs once.

// Stamps its start, waits for the test's go (a file), stamps its end and exits with JOB_STATUS.
const SCRIPT = `#!/bin/sh
echo "start $$" >>"$JOB_DIR/stamps"
while [ ! -e "$JOB_DIR/go" ]; do sleep 0.05; done
echo end >>"$JOB_DIR/stamps"
exit "$JOB_STATUS"
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A daemon's start and its reap rounds (every 2 s at most) on a loaded machine. */
const WAIT_MS = 60_000;

interface JobView {
  state: string;
  attempts: number;
  error: string | null;
}

async function api(d: TestDaemon, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${d.info.api}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${d.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

// (a killed script whose parent died too may stay a zombie here: that is not alive)
const isAlive = (pid: number): boolean => processStart(pid) !== null;

await describeEachBackend('a daemon killed while its script job runs', (backend: Backend) => {
  let dir: string;
  const pgs: Array<{ drop(): Promise<void> }> = [];
  const daemons: TestDaemon[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-orphan-'));
    await writeFile(join(dir, 'job.sh'), SCRIPT);
    await chmod(join(dir, 'job.sh'), 0o755);
  });
  after(async () => {
    await Promise.all(daemons.map((d) => d.stop().catch(() => undefined)));
    await Promise.all(pgs.map((p) => p.drop()));
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts a job on a daemon, kills the daemon once the script runs, starts the next daemon on its statedir. */
  async function orphan(name: string, status: number, timeoutSeconds: number, o: { maxAttempts?: number; afterKill?: (pid: number) => void } = {}) {
    const jobDir = await mkdtemp(join(dir, `${name}-`));
    // A database of its own: a daemon of another case would claim the job.
    const statedir = backend === 'pglite' ? await freshPgliteStatedir() : await mkdtemp(join(dir, 'state-'));
    const pg = backend === 'postgres' ? await freshPgDatabase() : null;
    if (pg) pgs.push(pg);
    const spawn = () => spawnDaemon({ statedir, ...(pg ? { databaseUrl: pg.url } : {}) });
    const first = await spawn();
    daemons.push(first);
    const mac = `02:0e:00:00:00:${(daemons.length % 256).toString(16).padStart(2, '0')}`;
    await api(first, 'POST', '/nodes', { nodes: [{ mac, name }] });
    const queued = (await api(first, 'POST', '/jobs', {
      select: { patterns: [name] },
      steps: [{ jig: 'script', args: { run: join(dir, 'job.sh'), dir: jobDir, status: String(status) } }],
      maxAttempts: o.maxAttempts ?? 1,
      timeoutSeconds,
    })) as { jobs: Array<{ id: number }> };
    const id = queued.jobs[0]!.id;
    const stamps = () => readFile(join(jobDir, 'stamps'), 'utf8').catch(() => '');
    const started = await until('the script to start', stamps, (s) => s.startsWith('start '), WAIT_MS);
    const pid = Number(started.split(' ')[1]);
    first.proc.kill('SIGKILL');
    await first.proc;
    assert.ok(isAlive(pid), 'the script runs on without its daemon');
    o.afterKill?.(pid);
    const next = await spawn();
    daemons.push(next);
    const job = async () => ((await api(next, 'GET', `/jobs/${id}`)) as { job: JobView }).job;
    return { jobDir, pid, stamps, job };
  }

  // The cases share nothing (a statedir and a database each) and mostly wait on daemons: run
  // one after another they took 5 minutes on a loaded machine.
  describe('each case on daemons of its own, all at once', { concurrency: true }, () => {
    it('the script runs to its end; the next daemon ends the job with its status, without running it again', async () => {
      const o = await orphan('ok', 0, 600);
      // Two reap rounds of the new daemon pass (every 2 s at most) while the script still runs.
      await sleep(4500);
      const meanwhile = await o.job();
      assert.equal(meanwhile.state, 'running', JSON.stringify(meanwhile));
      assert.equal(meanwhile.attempts, 1);
      await writeFile(join(o.jobDir, 'go'), '');
      const done = await until('the job to end', o.job, (j) => j.state !== 'running', WAIT_MS);
      assert.equal(done.state, 'succeeded', JSON.stringify(done));
      assert.equal(done.attempts, 1);
      assert.equal((await o.stamps()).split('\n').filter((l) => l.startsWith('start')).length, 1, 'ran once');
      assert.match(await o.stamps(), /\nend\n$/);
    });

    it('a non-zero exit recorded after its daemon died fails the job with that status', async () => {
      const o = await orphan('bad', 3, 600);
      await writeFile(join(o.jobDir, 'go'), '');
      const done = await until('the job to end', o.job, (j) => j.state !== 'running', WAIT_MS);
      assert.equal(done.state, 'failed');
      assert.match(done.error ?? '', /script exited with status 3 \(daemon .* died before recording it\)/);
    });

    it('a script that outlives the job deadline is killed by the next daemon and fails as at a deadline', async () => {
      const o = await orphan('slow', 0, 8);
      const done = await until('the job to end', o.job, (j) => j.state !== 'running', WAIT_MS);
      assert.equal(done.state, 'failed');
      assert.match(done.error ?? '', /deadline passed; its processes were killed/);
      assert.ok(!isAlive(o.pid), 'the script was killed');
      assert.equal((await o.stamps()).includes('end'), false);
    });

    it('a script stopped by SIGTERM after its daemon died (systemd stopping the unit) is run again, not failed', async () => {
      // The group leader, the script's parent, gets the TERM, as from systemd's stop of the unit.
      const parent = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      const o = await orphan('stopped', 0, 600, { maxAttempts: 2, afterKill: (pid) => process.kill(parent(pid), 'SIGTERM') });
      const again = await until('the second attempt to start', o.stamps, (s) => s.split('start ').length === 3, WAIT_MS);
      const retried = await o.job();
      assert.equal(retried.attempts, 2, JSON.stringify(retried));
      assert.match(retried.error ?? '', /died while running it; its script was stopped \(status 143\)/);
      await writeFile(join(o.jobDir, 'go'), '');
      assert.equal((await until('the job to end', o.job, (j) => j.state !== 'running' && j.state !== 'queued', WAIT_MS)).state, 'succeeded', again);
    });
  });
});
