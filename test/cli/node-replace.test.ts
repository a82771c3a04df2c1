import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cli, spawnDaemon, type TestDaemon } from '../helpers/daemon.js';

// The admin workflow of issue 9: burn-in, swap the board, `node replace`; the node's jobs follow.
describe('node replace of a node with jobs, against a real daemon', () => {
  let d: TestDaemon;
  before(async () => {
    d = await spawnDaemon();
  });
  after(async () => d?.stop());
  const ok = async (args: string[]) => {
    const r = await cli(d, args);
    assert.equal(r.exitCode, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };

  it('refuses while a job runs, then moves every job of the node to the new MAC', async () => {
    await ok(['node', 'add', '02:00:00:00:0a:01', 'burn1']);
    const burnIn = await ok(['job', 'run', 'noop', 'burn1']);
    await ok(['job', 'wait', '--timeout', '60', burnIn]);
    // a node task runs until the node reports, which this one never does
    const task = await ok(['job', 'run', 'node', 'burn1', '--arg', 'run=true']);
    const queued = await ok(['job', 'run', 'noop', 'burn1']);

    const busy = await cli(d, ['-y', 'node', 'replace', 'burn1', '02:00:00:00:0b:01']);
    assert.equal(busy.exitCode, 4, busy.stderr);
    assert.match(busy.stderr, new RegExp(`node 'burn1' is running job ${task}: wait for it or cancel it, then replace the node \\(JOB_ACTIVE\\)`));

    await ok(['job', 'cancel', task]);
    await ok(['job', 'wait', '--timeout', '60', queued]);
    assert.match(await ok(['-y', 'node', 'replace', 'burn1', '02:00:00:00:0b:01']), /Node 'burn1' is now 02:00:00:00:0B:01/);
    const jobs = JSON.parse(await ok(['job', 'list', '--node', 'burn1', '--json'])) as Array<{ id: number; node: string; state: string }>;
    assert.deepEqual(
      jobs.map((j) => [String(j.id), j.node, j.state]).sort(),
      [
        [burnIn, '02:00:00:00:0b:01', 'succeeded'],
        [task, '02:00:00:00:0b:01', 'cancelled'],
        [queued, '02:00:00:00:0b:01', 'succeeded'],
      ].sort(),
    );
    const again = await ok(['job', 'run', 'noop', 'burn1']);
    await ok(['job', 'wait', '--timeout', '60', again]);
  });
});
