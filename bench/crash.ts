/**
 * Crash trials of issue 8 (test/queue/crash-trial.ts), full size: kill -9 of the daemon at a
 * random moment under job and registration load, BENCH_TRIALS (default 20) trials on each backend,
 * plus as many with two daemons on one Postgres, one of them killed. Runs the built dist/ (npm run
 * build first). Prints trials, jobs, lost, duplicated, overlapping, wrongly failed and wall time.
 */
import { postgresUnavailable } from '../test/helpers/db.js';
import { crashTrials, type CrashOptions } from '../test/queue/crash-trial.js';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 20);
const cases: Array<Pick<CrashOptions, 'backend' | 'daemons'>> = [{ backend: 'pglite', daemons: 1 }];
if (!(await postgresUnavailable())) cases.push({ backend: 'postgres', daemons: 1 }, { backend: 'postgres', daemons: 2 });
else process.stdout.write('postgres unreachable: PGlite only\n');

process.stdout.write(`crash trials: ${TRIALS} per case, 8 nodes x 8 rounds of script jobs each, one daemon killed (SIGKILL) per trial\n`);
for (const c of cases) {
  const f = await crashTrials({ ...c, trials: TRIALS, progress: process.env.BENCH_VERBOSE ? (l) => process.stdout.write(`  ${l}\n`) : undefined });
  process.stdout.write(
    `${c.backend.padEnd(8)} ${c.daemons} daemon(s)  trials ${f.trials}  jobs ${f.jobs}  lost ${f.lost}  duplicated ${f.duplicated}  ` +
      `overlapping ${f.overlapping}  wrongly failed ${f.wronglyFailed}  wall ${(f.wallMs / 1000).toFixed(0)} s\n`,
  );
}
