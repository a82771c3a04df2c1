import { openPg, openPglite, migrate, type Db } from '../../src/db/index.js';
import { freshPgDatabase, postgresUnavailable } from '../../test/helpers/db.js';

/** Opens a fresh, migrated database of one backend; done() closes (and drops) it. */
export type OpenDb = () => Promise<{ db: Db; done(): Promise<void> }>;

/**
 * Runs `bench` on Postgres (MUSTER_TEST_PG / 127.0.0.1, a new database per open, a pool of
 * `pgMax`) when it is reachable, then on PGlite in memory.
 */
export async function eachBackend(pgMax: number, bench: (name: string, open: OpenDb) => Promise<void>): Promise<void> {
  if (!(await postgresUnavailable())) {
    await bench('postgres', async () => {
      const { url, drop } = await freshPgDatabase();
      const db = await openPg(url, { max: pgMax });
      return {
        db,
        done: async () => {
          await db.close();
          await drop();
        },
      };
    });
  } else console.log('postgres: unreachable, skipped');
  await bench('pglite', async () => {
    const db = await openPglite(null);
    await migrate(db);
    return { db, done: () => db.close() };
  });
}
