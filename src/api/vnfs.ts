import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isMusterError } from '../errors.js';
import { addEvent } from '../events/index.js';
import {
  copyImageSource,
  deleteImage,
  exportImage,
  ImageSchema,
  importImage,
  listImages,
  listRevisions,
  renameImage,
  requireImage,
  RevisionSchema,
  type ImportRequest,
} from '../images/index.js';
import type { ApiDeps, PluginOpts } from './deps.js';

const NameParams = z.object({ name: z.string().min(1).max(128) });
const ImageOut = ImageSchema;
const ImageDetailOut = z.object({ image: ImageSchema, revisions: z.array(RevisionSchema) });
const ImportBody = z.object({
  name: z.string().min(1).max(128),
  source: z.string().min(1).max(4096).describe('absolute path on the master: a directory, tarball, OCI archive or Perceus capsule'),
  kernel: z.string().max(4096).optional().describe("the kernel's path inside the image (default: the newest /boot/vmlinuz-*)"),
});
const RebuildBody = z.object({ kernel: z.string().max(4096).optional() });
const ToBody = z.object({ to: z.string().min(1).max(128) });
const DeleteBody = z.object({ yes: z.boolean().default(false).describe('delete even if nodes are set to it') });
const ExportBody = z.object({ file: z.string().min(1).max(4096).describe('absolute path on the master for the capsule') });

/**
 * Runs an import or rebuild while streaming its progress as NDJSON lines: `{"progress":…}` as it
 * goes, then one `{"done":…}` or `{"error":{code,detail}}`. The client closing the connection
 * cancels the import (Ctrl-C in the CLI); the previous revision keeps serving.
 */
function streamImport(deps: ApiDeps, req: FastifyRequest, reply: FastifyReply, ir: ImportRequest): FastifyReply {
  const out = new PassThrough();
  const abort = new AbortController();
  let finished = false;
  reply.raw.on('close', () => {
    if (!finished) abort.abort();
  });
  const line = (v: unknown) => out.write(JSON.stringify(v) + '\n');
  let last = 0;
  void importImage({ db: deps.db, statedir: deps.config.statedir }, ir, {
    signal: abort.signal,
    onProgress: (p) => {
      // Progress at most every 200 ms: a 1 GiB import would otherwise be a million lines.
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      line({ progress: p });
    },
  })
    .then(async (r) => {
      line({ done: { name: r.name, revision: RevisionSchema.parse(r.revision), unchanged: r.unchanged } });
      await addEvent(deps.db, {
        kind: 'vnfs.import',
        node: null,
        mac: null,
        message: r.unchanged ? `VNFS '${r.name}' unchanged (revision ${r.revision.revision})` : `VNFS '${r.name}' revision ${r.revision.revision} is current`,
        data: { name: r.name, revision: r.revision.revision, sha256: r.revision.imageSha256, source: r.revision.source },
      });
    })
    .catch((err: unknown) => {
      if (!isMusterError(err)) req.log.error({ err }, 'vnfs import failed');
      line({ error: isMusterError(err) ? { code: err.code, detail: err.message } : { code: 'INTERNAL', detail: String(err) } });
    })
    .finally(() => {
      finished = true;
      out.end();
    });
  return reply.type('application/x-ndjson').send(out);
}

/** /api/v1/vnfs: the VNFS image library (`muster vnfs …`). */
export async function vnfsRoutes(app: FastifyInstance, { deps }: PluginOpts): Promise<void> {
  const { db } = deps;
  const { statedir } = deps.config;

  app.get('/vnfs', { schema: { summary: 'The images, sorted by name', response: { 200: z.object({ images: z.array(ImageOut) }) } } }, async () => ({
    images: await listImages(db),
  }));

  app.get('/vnfs/:name', { schema: { summary: 'One image and its revisions', params: NameParams, response: { 200: ImageDetailOut } } }, async (req) => {
    const { name } = req.params as z.infer<typeof NameParams>;
    return { image: await requireImage(db, name), revisions: await listRevisions(db, name) };
  });

  app.post('/vnfs/import', { schema: { summary: 'Import a source as a new revision (NDJSON progress stream)', body: ImportBody } }, async (req, reply) => {
    const b = req.body as z.infer<typeof ImportBody>;
    return streamImport(deps, req, reply, { name: b.name, source: b.source, kernel: b.kernel });
  });

  app.post(
    '/vnfs/:name/rebuild',
    { schema: { summary: "Rebuild vnfs.img from the image's rootfs (NDJSON progress stream)", params: NameParams, body: RebuildBody } },
    async (req, reply) => {
      const { name } = req.params as z.infer<typeof NameParams>;
      await requireImage(db, name);
      return streamImport(deps, req, reply, { name, source: null, kernel: (req.body as z.infer<typeof RebuildBody>).kernel });
    },
  );

  app.post(
    '/vnfs/:name/clone',
    { schema: { summary: 'Copy the image under a new name, then build it (NDJSON progress stream)', params: NameParams, body: ToBody } },
    async (req, reply) => {
      const { name } = req.params as z.infer<typeof NameParams>;
      const { to } = req.body as z.infer<typeof ToBody>;
      await copyImageSource(db, statedir, name, to);
      return streamImport(deps, req, reply, { name: to, source: null, madeDir: true });
    },
  );

  app.post(
    '/vnfs/:name/rename',
    { schema: { summary: 'Rename the image; nodes set to it follow', params: NameParams, body: ToBody, response: { 200: z.object({ image: ImageOut }) } } },
    async (req) => {
      const { name } = req.params as z.infer<typeof NameParams>;
      const { to } = req.body as z.infer<typeof ToBody>;
      await renameImage(db, statedir, name, to);
      return { image: await requireImage(db, to) };
    },
  );

  app.post(
    '/vnfs/:name/delete',
    { schema: { summary: 'Delete the image and its files', params: NameParams, body: DeleteBody, response: { 200: z.object({ image: ImageOut }) } } },
    async (req) => {
      const { name } = req.params as z.infer<typeof NameParams>;
      return { image: await deleteImage(db, statedir, name, (req.body as z.infer<typeof DeleteBody>).yes) };
    },
  );

  app.post(
    '/vnfs/:name/export',
    {
      schema: {
        summary: 'Write the image as a Perceus capsule on the master',
        params: NameParams,
        body: ExportBody,
        response: { 200: z.object({ file: z.string(), size: z.number() }) },
      },
    },
    async (req) => {
      const { name } = req.params as z.infer<typeof NameParams>;
      await requireImage(db, name);
      return exportImage(statedir, name, (req.body as z.infer<typeof ExportBody>).file);
    },
  );
}
