import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { findMarked, runProcess, type RunOptions } from '../../src/proc/index.js';
import { until } from '../helpers/until.js';

const ENV = { PATH: '/bin:/usr/bin:/sbin:/usr/sbin' };

async function alive(pid: number): Promise<boolean> {
  try {
    // a zombie has exited: only its parent (init) has not reaped it yet
    return !/^\d+ \(.*\) Z/.test(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('runProcess: one process-group runner', () => {
  let dir: string;
  let n = 0;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-proc-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const script = async (body: string): Promise<string> => {
    const path = join(dir, `s${n++}.sh`);
    await writeFile(path, `#!/bin/sh\n${body}\n`);
    await chmod(path, 0o755);
    return path;
  };
  const run = (path: string, opts: Partial<RunOptions> = {}) => runProcess(path, { env: ENV, cwd: dir, stdoutLimit: 1 << 20, ...opts });
  const pidFile = () => join(dir, `pid${n++}`);
  const readPid = async (f: string): Promise<number> => {
    await until(`${f} to be written`, async () => (await readFile(f, 'utf8').catch(() => '')).trim() !== '');
    return Number((await readFile(f, 'utf8')).trim());
  };
  /** Aborts `ac` once the script has created `file` (it is where the test wants it), not after a guessed time. */
  const abortWhenCreated = (file: string, ac: AbortController): void =>
    void until(`${file} to be created`, () =>
      readFile(file).then(
        () => true,
        () => false,
      ),
    ).then(() => ac.abort());

  it('a setsid helper holding stdout neither hangs the run nor outlives it; output is whole', async () => {
    const f = pidFile();
    const path = await script(`setsid sh -c 'echo $$ > ${f}; exec sleep 1000' &\nwhile [ ! -s ${f} ]; do sleep 0.05; done\necho one\necho two`);
    let spawned = 0;
    const r = await run(path, { onSpawn: (s) => (spawned = s.pid) });
    assert.equal(r.ended, 'exit');
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout.toString(), 'one\ntwo\n');
    const helper = await readPid(f);
    await until(`setsid helper ${helper} to be killed`, async () => !(await alive(helper)));
    assert.ok(spawned > 0);
  });

  it('the child leads its own process group and session; onSpawn runs before it ends', async () => {
    let seen: { pid: number; pgrp: number; session: number; runId: string } | null = null;
    const path = await script('sleep 0.5; echo done');
    const r = await run(path, {
      onSpawn: (s) => {
        // fields after "(comm)": state ppid pgrp session
        const stat = readFileSync(`/proc/${s.pid}/stat`, 'utf8');
        const [, , pgrp, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        seen = { pid: s.pid, pgrp: Number(pgrp), session: Number(session), runId: s.runId };
      },
    });
    assert.equal(r.stdout.toString(), 'done\n');
    assert.ok(seen);
    const s = seen as { pid: number; pgrp: number; session: number; runId: string };
    assert.equal(s.pgrp, s.pid);
    assert.equal(s.session, s.pid);
    assert.match(s.runId, /^[0-9a-f-]{36}$/);
  });

  it('quiet background children (same group, and setsid) are killed when the run exits', async () => {
    const [a, b] = [pidFile(), pidFile()];
    const path = await script(
      `sh -c 'echo $$ > ${a}; exec sleep 1000' >/dev/null 2>&1 &\nsetsid sh -c 'echo $$ > ${b}; exec sleep 1000' >/dev/null 2>&1 </dev/null &\nwhile [ ! -s ${a} ] || [ ! -s ${b} ]; do sleep 0.05; done`,
    );
    let runId = '';
    const r = await run(path, { onSpawn: (s) => (runId = s.runId) });
    assert.equal(r.exitCode, 0);
    for (const pid of [await readPid(a), await readPid(b)]) {
      await until(`background child ${pid} to be killed`, async () => !(await alive(pid)));
    }
    assert.deepEqual(await findMarked({ runId }), []);
  });

  it('at the deadline it stops reading, kills the session (SIGTERM, then SIGKILL) and returns', async () => {
    const f = pidFile();
    const ready = pidFile();
    const path = await script(
      `setsid sh -c 'echo $$ > ${f}; trap "" TERM; while :; do sleep 1; done' &\ntrap '' TERM\nwhile [ ! -s ${f} ]; do sleep 0.05; done\necho started\n: > ${ready}\nwhile :; do sleep 1; done`,
    );
    const ac = new AbortController();
    abortWhenCreated(ready, ac);
    const r = await run(path, { signal: ac.signal, graceMs: 300 });
    assert.equal(r.ended, 'aborted');
    assert.equal(r.exitSignal, 'SIGKILL', 'it ignored SIGTERM, so the grace ran out');
    assert.equal(r.stdout.toString(), 'started\n');
    const helper = await readPid(f);
    await until(`helper ${helper} to be killed`, async () => !(await alive(helper)));
  });

  it('a process that ends on SIGTERM is not SIGKILLed', async () => {
    const ready = pidFile();
    const path = await script(`echo up; : > ${ready}; exec sleep 1000`);
    const ac = new AbortController();
    abortWhenCreated(ready, ac);
    const r = await run(path, { signal: ac.signal, graceMs: 10_000 });
    assert.equal(r.ended, 'aborted');
    assert.equal(r.exitSignal, 'SIGTERM');
  });

  it('an already aborted signal kills at once', async () => {
    const r = await run(await script('sleep 1000'), { signal: AbortSignal.abort(), graceMs: 0 });
    assert.equal(r.ended, 'aborted');
  });

  it('stdout past its limit ends the run (output-limit) and kills it', async () => {
    const r = await run(await script('head -c 10000000 /dev/zero; sleep 1000'), { stdoutLimit: 4096 });
    assert.equal(r.ended, 'output-limit');
    assert.ok(r.stdout.length <= 4096);
    assert.equal(r.exitSignal, 'SIGKILL');
  });

  it('200 MB of stderr: lines and the run are bounded, the drop is counted', async () => {
    const lines: string[] = [];
    const path = await script(
      `echo first >&2\nhead -c 3000 /dev/zero | tr '\\0' y >&2\necho >&2\nyes xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx | head -c 200000000 >&2\necho out`,
    );
    const r = await run(path, { stderrLines: { lineMax: 2000, runMax: 64 * 1024, onLine: (l) => lines.push(l) } });
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout.toString(), 'out\n');
    assert.equal(lines[0], 'first');
    assert.equal(lines[1], 'y'.repeat(2000), 'a long line is cut at lineMax');
    const kept = lines.reduce((s, l) => s + Buffer.byteLength(l) + 1, 0);
    assert.ok(kept <= 64 * 1024 + 1, `kept ${kept} bytes`);
    // everything past the first 64 KiB, plus the 1,000 bytes cut from the 3,000-byte line
    assert.equal(r.stderrDropped, 6 + 3001 + 200_000_000 - 64 * 1024 + 1000);
  });

  it('stdin from a stream, stdout into a slow reader: all bytes, in order, with backpressure (a filter such as zstd -dc)', async () => {
    const data = randomBytes(8 * 1024 * 1024);
    const out = new PassThrough({ highWaterMark: 64 * 1024 });
    const running = runProcess('cat', { env: ENV, cwd: dir, stdin: Readable.from([data.subarray(0, 1000), data.subarray(1000)]), stdout: out });
    const got: Buffer[] = [];
    let buffered = 0;
    for await (const c of out) {
      got.push(c as Buffer);
      buffered = Math.max(buffered, out.readableLength);
      if (got.length % 16 === 0) await new Promise((r) => setTimeout(r, 5)); // a slow consumer
      if (Buffer.concat(got).length === data.length) break;
    }
    const r = await running;
    assert.equal(r.exitCode, 0);
    assert.ok(Buffer.concat(got).equals(data), 'every byte, in order');
    assert.ok(buffered <= 1024 * 1024, `the reader was never flooded (${buffered} bytes waiting)`);
  });

  it('onChunk gets both streams when nothing is collected', async () => {
    let text = '';
    const r = await runProcess(await script('echo a; echo b >&2'), { env: ENV, cwd: dir, onChunk: (c) => (text += c.toString()) });
    assert.equal(r.exitCode, 0);
    assert.deepEqual(text.split('\n').sort(), ['', 'a', 'b']);
  });

  it('exactly the given environment, plus the run marker', async () => {
    let runId = '';
    const r = await run(await script('env'), { env: { ...ENV, FOO: 'bar' }, onSpawn: (s) => (runId = s.runId) });
    const env = r.stdout
      .toString()
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('PWD='))
      .sort();
    assert.deepEqual(env, ['FOO=bar', `MUSTER_RUN_ID=${runId}`, 'PATH=/bin:/usr/bin:/sbin:/usr/sbin']);
  });

  it('a failed spawn says what failed: missing cwd, missing program, not executable', async () => {
    const ok = await script('true');
    await assert.rejects(run(ok, { cwd: join(dir, 'no-such-dir') }), { code: 'SPAWN_FAILED', message: /working directory .*no-such-dir does not exist/ });
    await assert.rejects(run(join(dir, 'missing.sh')), { code: 'SPAWN_FAILED', message: /missing\.sh or its interpreter does not exist/ });
    const plain = join(dir, 'plain.sh');
    await writeFile(plain, '#!/bin/sh\ntrue\n');
    await chmod(plain, 0o644);
    await assert.rejects(run(plain), { code: 'SPAWN_FAILED', message: /permission denied/ });
  });
});
