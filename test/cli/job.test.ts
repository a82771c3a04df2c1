import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, spawnDaemon, type TestDaemon } from '../helpers/daemon.js';

describe('muster job CLI against a real daemon', () => {
  let d: TestDaemon;
  before(async () => {
    d = await spawnDaemon();
    const macs = Array.from({ length: 4 }, (_, i) => `02:00:00:00:01:0${i}`).join('\n');
    await writeFile(join(d.statedir, 'm.txt'), macs);
    assert.equal((await cli(d, ['-q', 'node', 'add', '--file', join(d.statedir, 'm.txt')])).exitCode, 0);
    await mkdir(join(d.statedir, 'jigs'), { recursive: true });
    await writeFile(join(d.statedir, 'jigs', 'greet'), '#!/bin/sh\necho "hello $NODENAME $JOB_WHO"\n[ "$NODENAME" != n0003 ]\n');
    await chmod(join(d.statedir, 'jigs', 'greet'), 0o755);
  });
  after(async () => d?.stop());

  it('runs a script jig on a range; job wait exits with the outcome; job show has the log', async () => {
    const run = await cli(d, ['job', 'run', 'script', 'n000[0-3]', '--arg', 'run=greet', '--arg', 'who=admin']);
    assert.equal(run.exitCode, 0, run.stderr);
    const ids = run.stdout.trim().split('\n');
    assert.equal(ids.length, 4);
    const ok = await cli(d, ['job', 'wait', '--timeout', '60', ids[0]!, ids[1]!]);
    assert.equal(ok.exitCode, 0, ok.stdout + ok.stderr);
    const bad = await cli(d, ['job', 'wait', '--timeout', '60', ids[3]!]);
    assert.equal(bad.exitCode, 1, 'n0003 fails by design');
    const show = await cli(d, ['job', 'show', ids[0]!]);
    assert.match(show.stdout, /hello n0000 admin/);
  });

  it('cancels the rest of a chain when a step fails, without blocking the node', async () => {
    const run = await cli(d, ['job', 'run', 'script+noop', 'n0003', '--arg', '1:run=greet', '--chain', '--json']);
    assert.equal(run.exitCode, 0, run.stderr);
    const jobs = JSON.parse(run.stdout) as Array<{ id: number }>;
    await cli(d, ['job', 'wait', '--timeout', '60', ...jobs.map((j) => String(j.id))]);
    const list = JSON.parse((await cli(d, ['job', 'list', '--node', 'n0003', '--json'])).stdout) as Array<{ id: number; state: string }>;
    const states = Object.fromEntries(list.map((j) => [j.id, j.state]));
    assert.equal(states[jobs[0]!.id], 'failed');
    assert.equal(states[jobs[1]!.id], 'cancelled');
    const after = await cli(d, ['job', 'run', 'noop', 'n0003']);
    assert.equal((await cli(d, ['job', 'wait', '--timeout', '60', after.stdout.trim()])).exitCode, 0, 'the node is not frozen by the failed chain');
  });

  const bad: Array<[string, string[], RegExp]> = [
    ['an unknown jig', ['job', 'run', 'teleport', 'n0000'], /\(JIG_UNKNOWN\)/],
    ['args that fail the jig schema', ['job', 'run', 'script', 'n0000'], /\(JIG_ARGS_INVALID\)/],
    ['an unknown node', ['job', 'run', 'noop', 'nosuch'], /No nodes found \(NODE_NOT_FOUND\)/],
    ['an unknown job', ['job', 'show', '999999'], /\(JOB_NOT_FOUND\)/],
    ['to release an unknown job', ['job', 'release', '-y', '999999'], /\(JOB_NOT_FOUND\)/],
    ['to release without -y off a terminal', ['job', 'release', '999999'], /pass -y to confirm \(or -n\) \(CONFIRMATION_REQUIRED\)/],
  ];
  for (const [what, args, msg] of bad) {
    it(`refuses ${what} with one clear line, queuing nothing`, async () => {
      const before = (await cli(d, ['job', 'list', '--json'])).stdout;
      const r = await cli(d, args);
      assert.notEqual(r.exitCode, 0);
      assert.match(r.stderr, msg);
      assert.equal((await cli(d, ['job', 'list', '--json'])).stdout, before);
    });
  }

  it('gives up waiting at --timeout with one clear line', async () => {
    // a task for the node itself stays running until the node checks in, which it never does here
    const id = (await cli(d, ['job', 'run', 'node', 'n0002', '--arg', 'run=true'])).stdout.trim();
    const r = await cli(d, ['job', 'wait', '--timeout', '0', id]);
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /job \d+ is still \w+ after 0 s \(JOB_WAIT_TIMEOUT\)/);
    const release = await cli(d, ['job', 'release', '-y', id]);
    assert.equal(release.exitCode, 4, release.stderr);
    assert.match(release.stderr, /is a node task waiting for its node: cancel it instead \(JOB_NOT_RELEASABLE\)/);
  });

  it('refuses to cancel a finished job', async () => {
    const id = (await cli(d, ['job', 'run', 'noop', 'n0000'])).stdout.trim();
    await cli(d, ['job', 'wait', '--timeout', '60', id]);
    const r = await cli(d, ['job', 'cancel', id]);
    assert.equal(r.exitCode, 4, r.stderr);
    assert.match(r.stderr, /\(JOB_FINISHED\)/);
    const release = await cli(d, ['job', 'release', '-y', id]);
    assert.equal(release.exitCode, 4, release.stderr);
    assert.match(release.stderr, /only a running job is released \(JOB_NOT_RUNNING\)/);
  });
});
