import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachBackend } from '../helpers/db.js';
import { crashTrials } from './crash-trial.js';

// Issue 8: kill -9 of a daemon at a random moment under job and registration load loses,
// duplicates, overlaps and wrongly fails nothing. A few trials here (bench/crash.ts runs the full
// size); the daemons are the built dist/ (npm test builds first).
await describeEachBackend('crash trials: kill -9 of the daemon under load', (backend) => {
  const zero = { lost: 0, duplicated: 0, overlapping: 0, wronglyFailed: 0 };
  it('a new daemon takes over (same statedir and database): nothing lost, duplicated, overlapping or wrongly failed', async () => {
    const f = await crashTrials({ backend, trials: 2, daemons: 1 });
    assert.deepEqual({ lost: f.lost, duplicated: f.duplicated, overlapping: f.overlapping, wronglyFailed: f.wronglyFailed }, zero, JSON.stringify(f));
    assert.equal(f.jobs, 128);
  });
  if (backend === 'postgres') {
    it('two daemons on one Postgres, one killed: the survivor carries on alone, the same way', async () => {
      const f = await crashTrials({ backend, trials: 1, daemons: 2 });
      assert.deepEqual({ lost: f.lost, duplicated: f.duplicated, overlapping: f.overlapping, wronglyFailed: f.wronglyFailed }, zero, JSON.stringify(f));
    });
  }
});
