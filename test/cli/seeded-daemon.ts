import { after, before } from 'node:test';
import { freshDb, type TestDb } from '../helpers/db.js';
import { spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { addNodes } from '../queue/fixture.js';

export interface SeededDaemon {
  d: TestDaemon;
  /** NodeIDs of n0000, n0001 … in order */
  macs: string[];
}

/**
 * Registers before/after hooks for a real daemon (embedded DB) whose registry holds `count` nodes
 * n0000, n0001 …, written straight into its database (a CLI add of 100,000 takes ~30 s); the
 * fields are set once before has run.
 */
export function seededDaemon(count: number): SeededDaemon {
  const f = {} as SeededDaemon;
  let t: TestDb | undefined;
  before(async () => {
    t = await freshDb('pglite');
    f.macs = await addNodes(t.db, count);
    await t.db.close();
    f.d = await spawnDaemon({ statedir: t.statedir });
  });
  after(async () => {
    await f.d?.stop();
    await t?.cleanup();
  });
  return f;
}
