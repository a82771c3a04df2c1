/** Issue 8, defects 18 and 10/9 for the script jig: a fresh statedir, and children left running. */
import assert from 'node:assert/strict';
import { access, chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { silentLogger } from '../../src/log.js';
import { addJobs, getJob, startQueue, type QueueHandle } from '../../src/queue/index.js';
import { freshDb, type TestDb } from '../helpers/db.js';
import { addNodes } from './fixture.js';
import { until } from '../helpers/until.js';

describe('script jig: working directory and leftover processes', () => {
  let t: TestDb;
  let macs: string[];
  let dir: string;
  let q: QueueHandle | null = null;
  before(async () => {
    t = await freshDb('pglite');
    macs = await addNodes(t.db, 1);
    dir = await mkdtemp(join(tmpdir(), 'muster-jig-'));
  });
  afterEach(async () => {
    await q?.stop({ graceMs: 0 });
    q = null;
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await t.cleanup();
  });

  const start = async () => {
    q = await startQueue({
      db: t.db,
      workers: 1,
      concurrency: 1,
      leaseSeconds: 5,
      log: silentLogger(),
      statedir: t.statedir,
      pollMs: 100,
      retryBaseMs: 50,
      jigContext: { waitPollMs: 50, perceus: { VNFSMETHOD: 'http', VNFSMASTER: '10.0.0.1', VNFSPREFIX: '' } },
    });
  };
  const script = async (name: string, body: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, `#!/bin/sh\n${body}\n`);
    await chmod(path, 0o755);
    return path;
  };
  const finished = (id: number) =>
    until(
      `job ${id} to finish`,
      () => getJob(t.db, id),
      (j) => ['succeeded', 'failed', 'cancelled'].includes(j.state),
      60_000,
    );
  const gone = async (pid: number): Promise<boolean> => {
    try {
      return /^\d+ \(.*\) Z/.test(await readFile(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return true;
    }
  };

  it('an absolute run= path works on a fresh statedir without jigs/ (18)', async () => {
    await assert.rejects(access(join(t.statedir, 'jigs')), 'the statedir has no jigs/ yet');
    const path = await script('abs.sh', 'echo "ran in $(pwd)"');
    await start();
    const [ref] = await addJobs(t.db, [{ node: macs[0]!, jig: 'script', args: { run: path } }]);
    const job = await finished(ref!.id);
    assert.equal(job.state, 'succeeded', job.error ?? '');
    assert.equal(job.log, `ran in ${join(t.statedir, 'jigs')}\n`);
  });

  it('a setsid child holding stdout neither holds the job open nor outlives it (10)', async () => {
    const pidFile = join(dir, 'helper.pid');
    const path = await script('helper.sh', `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 1201' &\nwhile [ ! -s ${pidFile} ]; do sleep 0.05; done\necho done`);
    await start();
    const [ref] = await addJobs(t.db, [{ node: macs[0]!, jig: 'script', args: { run: path }, timeoutSeconds: 600 }]);
    const job = await finished(ref!.id);
    assert.equal(job.state, 'succeeded', job.error ?? '');
    assert.equal(job.log, 'done\n');
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    await until(
      `helper ${pid} to be killed`,
      () => gone(pid),
      (g) => g,
    );
  });

  it('at the deadline a setsid child is killed too (9)', async () => {
    const pidFile = join(dir, 'hang.pid');
    const path = await script('hang.sh', `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 1202' &\nexec sleep 1203`);
    await start();
    const [ref] = await addJobs(t.db, [{ node: macs[0]!, jig: 'script', args: { run: path }, timeoutSeconds: 1 }]);
    const job = await finished(ref!.id);
    assert.equal(job.state, 'failed');
    assert.match(job.error ?? '', /deadline of 1 s passed/);
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    await until(
      `helper ${pid} to be killed`,
      () => gone(pid),
      (g) => g,
    );
  });
});
