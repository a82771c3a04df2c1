import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listModules, moduleInfo, modules } from '../modules/index.js';
import type { PluginOpts } from './deps.js';
import { repeated } from './zod.js';

/** 48 MiB of archive as base64 fits the admin API's 64 MiB body limit. */
const ARCHIVE_MAX_BASE64 = 64 * 1024 * 1024;

const ModuleOut = z.object({ name: z.string(), roles: z.array(z.string()) });
const ListQuery = z.object({ glob: repeated.describe('module name glob; repeatable; none = every module') });
const NameParams = z.object({ name: z.string().min(1).max(128) });
const ImportBody = z.object({
  name: z.string().min(1).max(128).describe('the module name: the .pmod file name without .pmod'),
  archive: z.base64().max(ARCHIVE_MAX_BASE64).describe('the .pmod file (a bzip2, gzip or plain tar archive), base64'),
});
const RolesBody = z.object({ roles: z.array(z.string().max(512)).max(1000).default([]).describe('none = the defaultroles (activate) or every active role') });
const ActivatedOut = z.object({ module: ModuleOut, roles: z.array(z.string()), output: z.string() });
const DeactivatedOut = z.object({ module: ModuleOut, roles: z.array(z.string()) });

/** /api/v1/modules: Perceus modules in statedir/modules (`muster module …`). */
export async function modulesRoutes(app: FastifyInstance, { deps }: PluginOpts): Promise<void> {
  const { statedir } = deps.config;

  app.get(
    '/modules',
    {
      schema: {
        summary: 'Installed modules and the roles each is active in, sorted by name',
        querystring: ListQuery,
        response: { 200: z.object({ modules: z.array(ModuleOut) }) },
      },
    },
    async (req) => ({ modules: await listModules(statedir, (req.query as z.infer<typeof ListQuery>).glob) }),
  );

  app.post(
    '/modules',
    {
      schema: {
        summary: 'Import a module from its .pmod archive (nothing is written unless every entry is sound)',
        body: ImportBody,
        response: { 201: z.object({ module: ModuleOut, output: z.string() }) },
      },
    },
    async (req, reply) => {
      const body = req.body as z.infer<typeof ImportBody>;
      const done = await modules.import(statedir, body.name, Buffer.from(body.archive, 'base64'));
      return reply.code(201).send({ module: await moduleInfo(statedir, done.name), output: done.output });
    },
  );

  app.post(
    '/modules/:name/activate',
    { schema: { summary: 'Link the module into roles and run its activate script', params: NameParams, body: RolesBody, response: { 200: ActivatedOut } } },
    async (req) => {
      const { name } = req.params as z.infer<typeof NameParams>;
      const done = await modules.activate(statedir, name, (req.body as z.infer<typeof RolesBody>).roles);
      return { module: await moduleInfo(statedir, name), ...done };
    },
  );

  app.post(
    '/modules/:name/deactivate',
    { schema: { summary: "Remove the module's links from roles", params: NameParams, body: RolesBody, response: { 200: DeactivatedOut } } },
    async (req) => {
      const { name } = req.params as z.infer<typeof NameParams>;
      const roles = await modules.deactivate(statedir, name, (req.body as z.infer<typeof RolesBody>).roles);
      return { module: await moduleInfo(statedir, name), roles };
    },
  );

  app.post(
    '/modules/:name/delete',
    { schema: { summary: 'Deactivate the module everywhere and remove it', params: NameParams, response: { 200: DeactivatedOut } } },
    async (req) => {
      const { name } = req.params as z.infer<typeof NameParams>;
      const roles = await modules.delete(statedir, name);
      return { module: { name, roles: [] }, roles };
    },
  );
}
