/**
 * Issue 8 defect 13: two daemons starting on one embedded data dir must never both get it. The
 * old O_EXCL pid file could be taken twice (pid written after the create; stale-lock
 * read-check-unlink raced). Two lock takers in separate processes race 20 times, each time over
 * a lock file left by a dead holder: exactly one wins every time. A kill -9'd holder's lock is free.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, it } from 'node:test';
import { execa, type ResultPromise } from 'execa';
import { PACKAGE_ROOT } from '../../src/paths.js';

const ROUNDS = 20;
const TAKER = join(PACKAGE_ROOT, 'test', 'helpers', 'lock-taker.ts');
const root = await mkdtemp(join(tmpdir(), 'muster-lock-'));
const procs: ResultPromise[] = [];
after(async () => {
  for (const p of procs) p.kill('SIGKILL');
  await Promise.allSettled(procs);
  await rm(root, { recursive: true, force: true });
});

interface Taker {
  proc: ResultPromise;
  say(line: string): Promise<string>;
}

function taker(dir: string): Taker {
  const proc = execa('node', ['--import', 'tsx', TAKER, dir], { cwd: PACKAGE_ROOT, stdin: 'pipe', stdout: 'pipe', stderr: 'inherit', reject: false });
  procs.push(proc);
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  return {
    proc,
    async say(line) {
      proc.stdin!.write(`${line}\n`);
      const r = await lines.next();
      if (r.done) throw new Error(`lock taker exited (answering '${line}')`);
      return r.value as string;
    },
  };
}

it(`two processes racing for one data dir ${ROUNDS} times: exactly one wins each time`, { timeout: 300_000 }, async () => {
  const dir = join(root, 'race');
  const a = taker(dir);
  const b = taker(dir);
  for (let round = 0; round < ROUNDS; round++) {
    // What a kill -9'd holder of the old pid-file lock left behind: a dead pid.
    await writeFile(`${dir}.lock`, '999999999\n');
    const answers = await Promise.all([a.say('go'), b.say('go')]);
    const winners = answers.filter((x) => x === 'won').length;
    assert.equal(winners, 1, `round ${round + 1}: ${JSON.stringify(answers)}`);
    assert.ok(answers.includes('locked DB_LOCKED'), `round ${round + 1}: the loser is told DB_LOCKED: ${JSON.stringify(answers)}`);
    assert.equal(await (answers[0] === 'won' ? a : b).say('release'), 'released');
  }
  a.proc.stdin!.end();
  b.proc.stdin!.end();
  await Promise.all([a.proc, b.proc]);
});

it("a kill -9'd holder's lock is free for the next taker", { timeout: 120_000 }, async () => {
  const dir = join(root, 'killed');
  const holder = taker(dir);
  assert.equal(await holder.say('go'), 'won');
  const next = taker(dir);
  assert.equal(await next.say('go'), 'locked DB_LOCKED', 'held while the holder lives');
  holder.proc.kill('SIGKILL');
  await holder.proc;
  // The lock dies with its holder; allow the OS a moment to reap what held it, never a stale-file wait.
  let answer = '';
  for (let i = 0; i < 50 && answer !== 'won'; i++) {
    answer = await next.say('go');
    if (answer !== 'won') await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(answer, 'won');
  next.proc.stdin!.end();
  await next.proc;
});
