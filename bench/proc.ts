/**
 * What the process runner costs per run: a module that only exits, and the /proc search for
 * MUSTER_RUN_ID-marked leftovers on its own (the whole /proc, and a short run's pid range).
 * Run: npx tsx bench/proc.ts
 */
import { readdir } from 'node:fs/promises';
import { findMarked, runProcess } from '../src/proc/index.js';
import { median } from './lib/median.js';

const ROUNDS = 30;

const timed = (run: () => Promise<unknown>): Promise<number> => median(run, ROUNDS);

const procs = (await readdir('/proc')).filter((d) => /^\d+$/.test(d)).length;
const env = { PATH: '/bin:/usr/bin' };
const full = await timed(() => findMarked({ runId: 'no-such-run' }));
const short = await timed(() => findMarked({ runId: 'no-such-run', since: { pid: process.pid, at: performance.now() } }));
const run = await timed(() => runProcess('/bin/true', { env, cwd: '/', stdoutLimit: 1024 }));
console.log(`processes on this host: ${procs}`);
console.log(`marker search, whole /proc:         ${full.toFixed(2)} ms (median of ${ROUNDS})`);
console.log(`marker search, short-run pid range: ${short.toFixed(2)} ms`);
console.log(`runProcess(/bin/true), end to end:  ${run.toFixed(2)} ms`);
