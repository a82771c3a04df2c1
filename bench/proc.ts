/**
 * What the process runner costs per run: a module that only exits, and the /proc search for
 * MUSTER_RUN_ID-marked leftovers on its own (the whole /proc, and a short run's pid range).
 * Run: npx tsx bench/proc.ts
 */
import { readdir } from 'node:fs/promises';
import { findMarked, runProcess } from '../src/proc/index.js';

const ROUNDS = 30;

async function median(run: () => Promise<unknown>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
}

const procs = (await readdir('/proc')).filter((d) => /^\d+$/.test(d)).length;
const env = { PATH: '/bin:/usr/bin' };
const full = await median(() => findMarked({ runId: 'no-such-run' }));
const short = await median(() => findMarked({ runId: 'no-such-run', since: { pid: process.pid, at: performance.now() } }));
const run = await median(() => runProcess('/bin/true', { env, cwd: '/', stdoutLimit: 1024 }));
console.log(`processes on this host: ${procs}`);
console.log(`marker search, whole /proc:         ${full.toFixed(2)} ms (median of ${ROUNDS})`);
console.log(`marker search, short-run pid range: ${short.toFixed(2)} ms`);
console.log(`runProcess(/bin/true), end to end:  ${run.toFixed(2)} ms`);
