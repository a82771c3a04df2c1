/**
 * Crash trials of issue 8: real daemons (bin/muster from dist/) run script jobs under job and
 * node-registration load and one of them is killed with SIGKILL at a random moment. With one
 * daemon, a new one starts on the same statedir (and database); with two on one Postgres, the
 * survivor carries on alone. Each trial then waits for every job to end and counts, from the job
 * processes' own stamps (one file per node) and the API:
 *  - lost: a queued (node, round) that never ran to its end, or never ended in the queue;
 *  - duplicated: a (node, round) that ran to its end twice;
 *  - overlapping: a job process that found the node's lock held by another job's processes (a
 *    killed job's orphans hold it until they die: flock on a file descriptor they inherit);
 *  - wrongly failed: a job that ended failed or cancelled (every job succeeds when it runs, and
 *    has attempts to spare for the interrupted runs).
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshPgDatabase, type Backend } from '../helpers/db.js';
import { spawnDaemon, type TestDaemon } from '../helpers/daemon.js';

export interface CrashFigures {
  trials: number;
  jobs: number;
  lost: number;
  duplicated: number;
  overlapping: number;
  wronglyFailed: number;
  wallMs: number;
}

export interface CrashOptions {
  backend: Backend;
  trials: number;
  /** daemons on one database (2 needs postgres): one of them is killed */
  daemons: 1 | 2;
  nodes?: number;
  rounds?: number;
  progress?: (line: string) => void;
}

const STAMP = `#!/bin/sh
# Appends start/end stamps for its node, holding the node's lock (fd 9, inherited by its children).
f="$JOB_DIR/$NODENAME"
exec 9>>"$f.lock"
if ! flock -n 9; then echo "overlap $JOB_TAG $$" >>"$f"; flock 9; fi
echo "start $JOB_TAG $$" >>"$f"
sleep "$JOB_SECS" & wait $!
echo "end $JOB_TAG $$" >>"$f"
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call(d: TestDaemon, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${d.info.api}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${d.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

/** Retries a request on whichever daemon is up until it answers `ok` (a killed daemon's requests fail). */
async function deliver(up: () => TestDaemon[], method: string, path: string, body: unknown, ok: (s: number) => boolean, until: number): Promise<void> {
  while (Date.now() < until) {
    for (const d of up()) {
      const r = await call(d, method, path, body).catch(() => null);
      if (r && ok(r.status)) return;
    }
    await sleep(100);
  }
  throw new Error(`${method} ${path} not delivered in time`);
}

async function trial(o: Required<Omit<CrashOptions, 'progress'>>, n: number): Promise<Omit<CrashFigures, 'trials' | 'wallMs'>> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-crash-'));
  const pg = o.backend === 'postgres' ? await freshPgDatabase() : null;
  const statedirs = await Promise.all(Array.from({ length: o.daemons }, (_, i) => mkdtemp(join(dir, `state${i}-`))));
  // (the script jig runs in statedir/jigs, even for an absolute path)
  for (const s of statedirs) await mkdir(join(s, 'jigs'));
  const script = join(dir, 'stamp.sh');
  await writeFile(script, STAMP);
  await chmod(script, 0o755);
  const spawn = (statedir: string) => spawnDaemon({ statedir, ...(pg ? { databaseUrl: pg.url } : {}) });
  let daemons: TestDaemon[] = [];
  const until = Date.now() + 120_000;
  try {
    daemons = await Promise.all(statedirs.map(spawn));
    const up = () => daemons.filter((d) => d.proc.exitCode === null && d.proc.signalCode === null);
    const names = Array.from({ length: o.nodes }, (_, i) => `c${String(i).padStart(2, '0')}`);
    const macs = names.map((_, i) => `02:c0:00:00:${String(n % 100).padStart(2, '0')}:${i.toString(16).padStart(2, '0')}`);
    await deliver(up, 'POST', '/nodes', { nodes: names.map((name, i) => ({ mac: macs[i], name })) }, (s) => s === 201, until);
    // Load: rounds of one script job per node, and node registrations beside them; each request
    // is retried (the same idempotency key, the same nodes) until a daemon takes it.
    const enqueue = (async () => {
      for (let r = 0; r < o.rounds; r++) {
        const body = {
          select: { patterns: [`c[00-${String(o.nodes - 1).padStart(2, '0')}]`] },
          steps: [{ jig: 'script', args: { run: script, dir, tag: `r${r}`, secs: (0.1 + Math.random() * 0.3).toFixed(2) } }],
          maxAttempts: 10,
          idempotencyKey: `trial${n}-r${r}`,
        };
        await deliver(up, 'POST', '/jobs', body, (s) => s === 201, until);
        await sleep(Math.random() * 300);
      }
    })();
    const register = (async () => {
      for (let b = 0; b < o.rounds; b++) {
        const nodes = Array.from({ length: 20 }, (_, k) => ({
          mac: `02:d0:${String(n % 100).padStart(2, '0')}:00:${b.toString(16).padStart(2, '0')}:${k.toString(16).padStart(2, '0')}`,
        }));
        await deliver(up, 'POST', '/nodes', { nodes }, (s) => s === 201 || s === 409, until);
        await sleep(Math.random() * 200);
      }
    })();
    await sleep(300 + Math.random() * 2500);
    const victim = daemons[Math.floor(Math.random() * daemons.length)]!;
    victim.proc.kill('SIGKILL');
    await victim.proc;
    if (o.daemons === 1) daemons = [await spawn(victim.statedir)];
    await Promise.all([enqueue, register]);
    // Every job ends: none queued or running.
    let jobs: Array<{ node: string; state: string; args: { tag: string } }> = [];
    for (;;) {
      const r = await call(up()[0]!, 'GET', '/jobs?limit=10000').catch(() => null);
      jobs = (r?.json as { jobs?: typeof jobs } | null)?.jobs ?? [];
      if (r && jobs.every((j) => j.state !== 'queued' && j.state !== 'running')) break;
      if (Date.now() > until) break;
      await sleep(200);
    }
    let lost = 0;
    let duplicated = 0;
    let overlapping = 0;
    for (const [i, name] of names.entries()) {
      const stamps = (await readFile(join(dir, name), 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' '));
      overlapping += stamps.filter((s) => s[0] === 'overlap').length;
      for (let r = 0; r < o.rounds; r++) {
        const ends = stamps.filter((s) => s[0] === 'end' && s[1] === `r${r}`).length;
        const job = jobs.find((j) => j.node === macs[i] && j.args.tag === `r${r}`);
        if (ends === 0 || !job || job.state === 'queued' || job.state === 'running') lost += 1;
        if (ends > 1) duplicated += 1;
      }
    }
    const wronglyFailed = jobs.filter((j) => j.state === 'failed' || j.state === 'cancelled').length;
    return { jobs: o.nodes * o.rounds, lost, duplicated, overlapping, wronglyFailed };
  } finally {
    await Promise.all(daemons.map((d) => d.stop().catch(() => undefined)));
    await pg?.drop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

export async function crashTrials(opts: CrashOptions): Promise<CrashFigures> {
  const o = { nodes: 8, rounds: 8, ...opts };
  const t0 = Date.now();
  const sum: CrashFigures = { trials: 0, jobs: 0, lost: 0, duplicated: 0, overlapping: 0, wronglyFailed: 0, wallMs: 0 };
  for (let n = 0; n < o.trials; n++) {
    const f = await trial(o, n);
    sum.trials += 1;
    for (const k of ['jobs', 'lost', 'duplicated', 'overlapping', 'wronglyFailed'] as const) sum[k] += f[k];
    o.progress?.(`${o.backend} x${o.daemons} trial ${n + 1}: ${JSON.stringify(f)}`);
  }
  sum.wallMs = Date.now() - t0;
  return sum;
}
