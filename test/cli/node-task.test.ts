/**
 * The `node` jig end to end through a real daemon: `muster job run node` queues a task, the real
 * node client (busybox sh + wget only) asks for `ready`, runs the task and reports it, and
 * `muster job wait` exits with the task's outcome.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { cli, spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { requireOrSkip } from '../helpers/require.js';
import { until } from '../helpers/until.js';

const NODES = ['02:00:00:00:0a:00', '02:00:00:00:0a:01', '02:00:00:00:0a:02'];
const skip = requireOrSkip((await execa('busybox', ['true'], { reject: false })).exitCode !== 0 && 'needs busybox (Debian package busybox)');

describe('node tasks through the real daemon and node client', { skip }, () => {
  let d: TestDaemon;
  let dir: string;
  let bin: string;
  let client: string;

  /** Runs muster's provisiond as node `mac` once for `ready`, by default with nothing but busybox on PATH. */
  const checkIn = (mac: string, path = bin) =>
    execa('sh', [client, '-t', '1', '-n', mac, d.info.http, 'ready'], { env: { PATH: path }, extendEnv: false, reject: false, all: true });

  const runTask = async (node: string, run: string, extra: string[] = []): Promise<string> => {
    const r = await cli(d, ['job', 'run', 'node', node, '--arg', `run=${run}`, ...extra]);
    assert.equal(r.exitCode, 0, r.stderr);
    return r.stdout.trim();
  };

  /** Waits until the job is handed to the node (the worker gave it to the node). */
  const awaitingNode = async (id: string): Promise<void> => {
    const job = async () => JSON.parse((await cli(d, ['job', 'show', id, '--json'])).stdout) as { lockedBy: string | null };
    await until(`job ${id} to wait for its node`, job, (j) => j.lockedBy === 'node');
  };

  const post = (path: string) => fetch(`${d.info.http}${path}`, { method: 'POST' });

  before(async () => {
    d = await spawnDaemon({ env: { MUSTER_JOB_LEASE: '2' } });
    for (const mac of NODES) assert.equal((await cli(d, ['-q', 'node', 'add', mac])).exitCode, 0);
    dir = await mkdtemp(join(tmpdir(), 'muster-node-'));
    bin = join(dir, 'bin');
    await execa('mkdir', [bin]);
    for (const a of ['sh', 'wget', 'cat', 'tail', 'rm', 'mktemp', 'sleep', 'echo']) await symlink('/bin/busybox', join(bin, a));
    client = join(dir, 'provisiond');
    await execa('busybox', ['wget', '-qO', client, `${d.info.http}/provisiond`]);
  });
  after(async () => {
    await d?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('completes a task for a node that fetches its script with plain wget | sh (no muster client)', async () => {
    const id = await runTask('n0002', 'echo plain');
    await awaitingNode(id);
    const r = await execa('sh', ['-c', `wget -qO- '${d.info.http}/nodescripts/ready?hwaddr=${NODES[2]}' | sh`], {
      env: { PATH: bin },
      extendEnv: false,
      reject: false,
      all: true,
    });
    assert.equal(r.exitCode, 0, r.all);
    const wait = await cli(d, ['job', 'wait', '--timeout', '60', id]);
    assert.equal(wait.exitCode, 0, wait.stdout + wait.stderr);
  });

  it("runs a failing task on the node; job wait exits 1 and the job log holds the node's output", async () => {
    const id = await runTask('n0000', 'echo hi; echo oops >&2; exit 3');
    await awaitingNode(id);
    const node = await checkIn(NODES[0]!);
    assert.equal(node.exitCode, 0, `a failed task does not fail the ready script: ${node.all}`);
    assert.match(node.all ?? '', /^hi\noops$/m, 'the node prints the task output');
    const wait = await cli(d, ['job', 'wait', '--timeout', '60', id]);
    assert.equal(wait.exitCode, 1, wait.stdout + wait.stderr);
    const job = JSON.parse((await cli(d, ['job', 'show', id, '--json'])).stdout) as { state: string; error: string; log: string };
    assert.equal(job.state, 'failed');
    assert.match(job.error, /exited with status 3/);
    assert.match(job.log, /reported exit status 3; output:\nhi\noops\n/);
  });

  it('a succeeding task succeeds the job (node with curl), and each task is handed out once', async () => {
    const id = await runTask('n0000', 'test "$(echo ok)" = ok');
    await awaitingNode(id);
    assert.equal((await checkIn(NODES[0]!, '/usr/bin:/bin')).exitCode, 0);
    const wait = await cli(d, ['job', 'wait', '--timeout', '60', id]);
    assert.equal(wait.exitCode, 0, wait.stdout + wait.stderr);
    const again = await checkIn(NODES[0]!);
    assert.doesNotMatch(again.all ?? '', /muster/, 'the next check-in carries no task');
  });

  it('a node that never reports fails its task at the deadline', async () => {
    const id = await runTask('n0001', 'true', ['--timeout', '1']);
    const started = Date.now();
    const wait = await cli(d, ['job', 'wait', '--timeout', '60', id]);
    assert.equal(wait.exitCode, 1);
    assert.ok(Date.now() - started < 15_000);
    const job = JSON.parse((await cli(d, ['job', 'show', id, '--json'])).stdout) as { error: string };
    assert.match(job.error, /did not report the task before its deadline/);
  });

  it('refuses reports with bad ids, bad MACs, bad exit codes, from the wrong node, or twice', async () => {
    const id = await runTask('n0002', 'true');
    await awaitingNode(id);
    const cases: Array<[string, number, string]> = [
      [`/tasks/abc?hwaddr=${NODES[2]}&exit=0`, 400, 'NODE_REQUEST_INVALID'],
      [`/tasks/0?hwaddr=${NODES[2]}&exit=0`, 400, 'NODE_REQUEST_INVALID'],
      [`/tasks/${id}?hwaddr=zz:zz:zz:zz:zz:zz&exit=0`, 400, 'MAC_INVALID'],
      [`/tasks/${id}?hwaddr=${NODES[2]}&exit=256`, 400, 'NODE_REQUEST_INVALID'],
      [`/tasks/${id}?hwaddr=${NODES[2]}`, 400, 'NODE_REQUEST_INVALID'],
      [`/tasks/${id}?hwaddr=${NODES[2]}&exit=0&claim=x`, 400, 'NODE_REQUEST_INVALID'],
      [`/tasks/${id}?hwaddr=${NODES[2]}&exit=0&claim=0`, 400, 'NODE_REQUEST_INVALID'],
      [`/tasks/${id}?hwaddr=${NODES[1]}&exit=0`, 404, 'JOB_NOT_FOUND'],
      [`/tasks/99999999?hwaddr=${NODES[2]}&exit=0`, 404, 'JOB_NOT_FOUND'],
    ];
    for (const [path, status, code] of cases) {
      const r = await post(path);
      const body = (await r.json()) as { code: string; detail: string };
      assert.equal(r.status, status, `${path}: ${body.detail}`);
      assert.equal(body.code, code, path);
    }
    const job = JSON.parse((await cli(d, ['job', 'show', id, '--json'])).stdout) as { state: string };
    assert.equal(job.state, 'running', 'no refused report touched the job');
    const ok = await post(`/tasks/${id}?hwaddr=${NODES[2]}&exit=0`);
    assert.equal(await ok.text(), `job ${id} succeeded\n`);
    const twice = await post(`/tasks/${id}?hwaddr=${NODES[2]}&exit=0`);
    assert.equal(twice.status, 409);
    assert.equal(((await twice.json()) as { code: string }).code, 'NODE_TASK_NOT_PENDING');
  });
});
