/**
 * Daemon start: from spawning `muster daemon` (dist/) to its ready line, and the process's peak
 * RSS (VmHWM) at that moment — fresh (new statedir: the embedded data dir is made), warm (the
 * same statedir again) and on Postgres (a new database: migrations run) for comparison.
 *   npm run build && npm run bench -- startup        (BENCH_RUNS=3 of each)
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { EPHEMERAL_PORTS, MUSTER_BIN } from '../test/helpers/daemon.js';
import { freshPgDatabase, postgresUnavailable } from '../test/helpers/db.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

async function peakRssMb(pid: number): Promise<number> {
  const m = /VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(m?.[1] ?? 0) / 1024);
}

/** One start to the ready line, then SIGTERM; seconds and peak RSS in MB. */
async function start(statedir: string, env: Record<string, string>): Promise<{ s: number; mb: number }> {
  const t = performance.now();
  const proc = execa(MUSTER_BIN, ['daemon', '--statedir', statedir, ...EPHEMERAL_PORTS], {
    env: { MUSTER_LOG_LEVEL: 'warn', MUSTER_RUNTIME_DIR: join(statedir, 'run'), ...env },
    reject: false,
    stdout: 'pipe',
  });
  const ready = await new Promise<boolean>((resolve) => {
    let out = '';
    proc.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('muster daemon: admin API')) resolve(true);
    });
    void proc.then(() => resolve(false));
  });
  const s = (performance.now() - t) / 1000;
  if (!ready) throw new Error(`daemon did not start: ${(await proc).stderr}`);
  const mb = await peakRssMb(proc.pid!);
  proc.kill('SIGTERM');
  await proc;
  return { s, mb };
}

const middle = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function report(label: string, runs: Array<{ s: number; mb: number }>): void {
  const s = middle(runs.map((r) => r.s));
  const mb = middle(runs.map((r) => r.mb));
  process.stdout.write(`  ${label.padEnd(22)} ${s.toFixed(2).padStart(6)} s to ready   peak RSS ${String(mb).padStart(4)} MB   (median of ${runs.length})\n`);
}

process.stdout.write('muster daemon start, spawn → ready line\n');
const fresh: Array<{ s: number; mb: number }> = [];
const warm: Array<{ s: number; mb: number }> = [];
for (let i = 0; i < RUNS; i++) {
  const statedir = await mkdtemp(join(tmpdir(), 'muster-bench-start-'));
  try {
    fresh.push(await start(statedir, {}));
    warm.push(await start(statedir, {}));
  } finally {
    await rm(statedir, { recursive: true, force: true });
  }
}
report('embedded, fresh', fresh);
report('embedded, warm', warm);
if ((await postgresUnavailable()) === null) {
  const pg: Array<{ s: number; mb: number }> = [];
  for (let i = 0; i < RUNS; i++) {
    const statedir = await mkdtemp(join(tmpdir(), 'muster-bench-start-'));
    const { url, drop } = await freshPgDatabase();
    try {
      pg.push(await start(statedir, { DATABASE_URL: url }));
    } finally {
      await drop();
      await rm(statedir, { recursive: true, force: true });
    }
  }
  report('postgres, new database', pg);
} else process.stdout.write('  postgres: unreachable, skipped\n');
