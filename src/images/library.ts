/**
 * The image library's records: images and their revisions. SQL as SQL; every function is one
 * statement or one short transaction, so several daemons can share the database. Files on disk
 * follow the records (import.ts): a revision becomes current only after its files are in place.
 */
import { z } from 'zod';
import { UNIQUE_VIOLATION, sqlState, type Db, type Queryable } from '../db/index.js';
import { MusterError } from '../errors.js';

export const RevisionSchema = z.object({
  revision: z.number().int(),
  state: z.enum(['importing', 'available', 'failed', 'deleted']),
  source: z.string(),
  kind: z.string(),
  kernelVersion: z.string().nullable(),
  kernelArgs: z.string(),
  kernelSha256: z.string().nullable(),
  kernelSize: z.coerce.number().nullable(),
  imageSha256: z.string().nullable(),
  imageSize: z.coerce.number().nullable(),
  error: z.string().nullable(),
  createdAt: z.date(),
  finishedAt: z.date().nullable(),
});
export type Revision = z.infer<typeof RevisionSchema>;

export const ImageSchema = z.object({
  name: z.string(),
  current: z.number().int().nullable(),
  source: z.string(),
  createdAt: z.date(),
  updatedAt: z.date(),
  /** nodes whose vnfs is this image */
  nodes: z.coerce.number().int(),
});
export type Image = z.infer<typeof ImageSchema>;

const REVISION_COLUMNS = `revision, state, source, kind, kernel_version AS "kernelVersion", kernel_args AS "kernelArgs",
  kernel_sha256 AS "kernelSha256", kernel_size AS "kernelSize", image_sha256 AS "imageSha256", image_size AS "imageSize",
  error, created_at AS "createdAt", finished_at AS "finishedAt"`;
const IMAGE_COLUMNS = `i.name, i.current, i.source, i.created_at AS "createdAt", i.updated_at AS "updatedAt",
  (SELECT count(*) FROM nodes n WHERE n.vnfs = i.name) AS nodes`;

export async function listImages(db: Queryable): Promise<Image[]> {
  const { rows } = await db.query(`SELECT ${IMAGE_COLUMNS} FROM images i ORDER BY i.name`);
  return rows.map((r) => ImageSchema.parse(r));
}

export async function getImage(db: Queryable, name: string): Promise<Image | null> {
  const { rows } = await db.query(`SELECT ${IMAGE_COLUMNS} FROM images i WHERE i.name = $1`, [name]);
  return rows[0] === undefined ? null : ImageSchema.parse(rows[0]);
}

export async function listRevisions(db: Queryable, name: string): Promise<Revision[]> {
  const { rows } = await db.query(`SELECT ${REVISION_COLUMNS} FROM image_revisions WHERE name = $1 ORDER BY revision`, [name]);
  return rows.map((r) => RevisionSchema.parse(r));
}

export async function getRevision(db: Queryable, name: string, revision: number): Promise<Revision | null> {
  const { rows } = await db.query(`SELECT ${REVISION_COLUMNS} FROM image_revisions WHERE name = $1 AND revision = $2`, [name, revision]);
  return rows[0] === undefined ? null : RevisionSchema.parse(rows[0]);
}

/** The revision a node with this vnfs boots now: the current one, with its kernel arguments. */
export async function currentRevision(db: Queryable, name: string): Promise<Revision | null> {
  const { rows } = await db.query(
    `SELECT ${REVISION_COLUMNS} FROM image_revisions WHERE name = $1 AND revision = (SELECT current FROM images WHERE name = $1)`,
    [name],
  );
  return rows[0] === undefined ? null : RevisionSchema.parse(rows[0]);
}

export interface NewRevision {
  name: string;
  source: string;
  kind: string;
  owner: string;
}

/**
 * Opens an import: the image row (created if new) and a revision in state importing, numbered
 * after every earlier one. A second import of the same name while one runs is refused here,
 * by the database, whichever daemon started the first.
 */
export async function beginRevision(db: Db, r: NewRevision): Promise<number> {
  try {
    return await db.tx(async (q) => {
      await q.query(`INSERT INTO images (name, source) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [r.name, r.source]);
      const { rows } = await q.query<{ revision: number }>(
        `INSERT INTO image_revisions (name, revision, state, source, kind, owner)
         SELECT $1, coalesce(max(revision), 0) + 1, 'importing', $2, $3, $4 FROM image_revisions WHERE name = $1
         RETURNING revision`,
        [r.name, r.source, r.kind, r.owner],
      );
      return rows[0]!.revision;
    });
  } catch (err) {
    if (sqlState(err) === UNIQUE_VIOLATION) {
      throw new MusterError('IMAGE_BUSY', `VNFS '${r.name}' is being imported or rebuilt already; wait for that to finish (muster vnfs show ${r.name})`, {
        cause: err,
      });
    }
    throw err;
  }
}

export interface Built {
  kernelVersion: string | null;
  kernelArgs: string;
  kernelSha256: string;
  kernelSize: number;
  imageSha256: string;
  imageSize: number;
}

/** The revision's files are in place: it becomes available and current. */
export async function completeRevision(db: Db, name: string, revision: number, b: Built): Promise<void> {
  await db.tx(async (q) => {
    await q.query(
      `UPDATE image_revisions SET state = 'available', kernel_version = $3, kernel_args = $4, kernel_sha256 = $5, kernel_size = $6,
         image_sha256 = $7, image_size = $8, finished_at = now() WHERE name = $1 AND revision = $2`,
      [name, revision, b.kernelVersion, b.kernelArgs, b.kernelSha256, b.kernelSize, b.imageSha256, b.imageSize],
    );
    await q.query(`UPDATE images SET current = $2, updated_at = now() WHERE name = $1`, [name, revision]);
  });
}

/** The import failed or was cancelled; an image that never had a revision goes with it. */
export async function failRevision(db: Db, name: string, revision: number, error: string): Promise<void> {
  await db.tx(async (q) => {
    await q.query(`UPDATE image_revisions SET state = 'failed', error = $3, finished_at = now() WHERE name = $1 AND revision = $2`, [name, revision, error]);
    await q.query(`DELETE FROM images WHERE name = $1 AND current IS NULL`, [name]);
  });
}

/** A rebuild that produced exactly the current artifacts: no new revision. */
export async function dropRevision(db: Queryable, name: string, revision: number): Promise<void> {
  await db.query(`DELETE FROM image_revisions WHERE name = $1 AND revision = $2 AND state = 'importing'`, [name, revision]);
}

export async function markRevisionDeleted(db: Queryable, name: string, revision: number): Promise<void> {
  await db.query(`UPDATE image_revisions SET state = 'deleted' WHERE name = $1 AND revision = $2`, [name, revision]);
}

export async function importingRevisions(db: Queryable): Promise<Array<{ name: string; revision: number; owner: string }>> {
  const { rows } = await db.query<{ name: string; revision: number; owner: string }>(
    `SELECT name, revision, coalesce(owner, '') AS owner FROM image_revisions WHERE state = 'importing'`,
  );
  return rows;
}
