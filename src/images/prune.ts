/**
 * Old revisions go once a newer one is current, but not all at once: the current and the one
 * before it are always kept (a node that fetched the old iPXE script a moment ago still finds
 * its files), and an older one stays while a node is booting it — its iPXE script named that
 * revision within the last hour and the node has not reported from inside the image since.
 */
import { rm } from 'node:fs/promises';
import type { Db, Queryable } from '../db/index.js';
import { markRevisionDeleted } from './library.js';
import { revisionDir } from './store.js';

/** How long after its iPXE script a node counts as booting the revision it named. */
export const BOOTING_WINDOW = '1 hour';

/** Revisions of `name` that some node is booting right now. */
export async function bootingRevisions(db: Queryable, name: string): Promise<number[]> {
  const { rows } = await db.query<{ revision: number }>(
    `SELECT DISTINCT split_part(vnfs_boot, '@', 2)::int AS revision FROM nodes
      WHERE split_part(vnfs_boot, '@', 1) = $1 AND vnfs_boot_at > now() - $2::interval AND vnfs_booted IS DISTINCT FROM vnfs_boot`,
    [name, BOOTING_WINDOW],
  );
  return rows.map((r) => r.revision);
}

export async function pruneRevisions(db: Db, statedir: string, name: string): Promise<number[]> {
  const { rows } = await db.query<{ revision: number }>(
    `SELECT revision FROM image_revisions WHERE name = $1 AND state IN ('available', 'failed') ORDER BY revision DESC`,
    [name],
  );
  const { rows: kept } = await db.query<{ revision: number }>(
    `SELECT revision FROM image_revisions WHERE name = $1 AND state = 'available' ORDER BY revision DESC LIMIT 2`,
    [name],
  );
  const keep = new Set([...kept.map((r) => r.revision), ...(await bootingRevisions(db, name))]);
  const pruned: number[] = [];
  for (const { revision } of rows) {
    if (keep.has(revision)) continue;
    await rm(revisionDir(statedir, name, revision), { recursive: true, force: true });
    await markRevisionDeleted(db, name, revision);
    pruned.push(revision);
  }
  return pruned;
}
