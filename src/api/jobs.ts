import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { addJobs, cancelJob, getJob, JOB_STATES, JobSchema, listJobs, releaseJob, retryJob, type NewJob } from '../queue/index.js';
import { eachChunked } from '../async/index.js';
import type { PluginOpts } from './deps.js';
import { sendJson } from './json-stream.js';
import { resolveSelection } from './select.js';
import { SelectBody } from './schemas/nodes.js';

const Step = z.object({
  jig: z.string().min(1).max(64),
  args: z.record(z.string().max(64), z.string().max(60_000)).default({}),
});

const RunBody = z.object({
  select: SelectBody,
  steps: z.array(Step).min(1).max(50),
  /** the steps of each node form a chain: a failed step cancels the node's later steps */
  chain: z.boolean().default(false),
  maxAttempts: z.number().int().min(1).max(100).optional(),
  timeoutSeconds: z.number().int().min(1).optional(),
  /** a retried request with the same key queues nothing new */
  idempotencyKey: z.string().min(1).max(120).optional(),
});

const IdParams = z.object({ id: z.coerce.number().int().positive() });
const ListQuery = z.object({
  node: z.string().max(64).optional().describe('NodeID (MAC)'),
  state: z.enum(JOB_STATES).optional(),
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});
const JobRefOut = z.object({ id: z.number().int(), node: z.string(), created: z.boolean() });
const QueuedOut = z.object({ jobs: z.array(JobRefOut), missing: z.array(z.string()) });

/** /api/v1/jobs: the jig queue. */
export async function jobsRoutes(app: FastifyInstance, { deps }: PluginOpts): Promise<void> {
  const { db } = deps;

  app.post(
    '/jobs',
    { schema: { summary: 'Queue jig runs on the selected nodes (all or none)', body: RunBody, response: { 201: QueuedOut } } },
    async (req, reply) => {
      const body = req.body as z.infer<typeof RunBody>;
      const sel = await resolveSelection(db, body.select);
      const specs: NewJob[] = [];
      await eachChunked(sel.nodes, (n) =>
        body.steps.forEach((s, i) => {
          specs.push({
            node: n.mac,
            jig: s.jig,
            args: s.args,
            maxAttempts: body.maxAttempts,
            timeoutSeconds: body.timeoutSeconds,
            idempotencyKey: body.idempotencyKey === undefined ? undefined : `${body.idempotencyKey}/${n.mac}/${i}`,
          });
        }),
      );
      const jobs = await addJobs(db, specs, { chain: body.chain });
      return sendJson(reply.code(201), QueuedOut, { jobs, missing: sel.missing });
    },
  );

  app.get(
    '/jobs',
    { schema: { summary: 'List jobs in id order (without logs)', querystring: ListQuery, response: { 200: z.object({ jobs: z.array(JobSchema) }) } } },
    async (req) => {
      const q = req.query as z.infer<typeof ListQuery>;
      return { jobs: await listJobs(db, { node: q.node, state: q.state, afterId: q.after, limit: q.limit }) };
    },
  );

  app.get('/jobs/:id', { schema: { summary: 'One job with its log', params: IdParams, response: { 200: z.object({ job: JobSchema }) } } }, async (req) => ({
    job: await getJob(db, (req.params as z.infer<typeof IdParams>).id),
  }));

  app.post(
    '/jobs/:id/cancel',
    {
      schema: {
        summary: 'Cancel a queued job (with the rest of its chain) or ask a running one to stop',
        params: IdParams,
        response: { 200: z.object({ job: JobSchema }) },
      },
    },
    async (req) => ({ job: await cancelJob(db, (req.params as z.infer<typeof IdParams>).id) }),
  );

  app.post(
    '/jobs/:id/release',
    {
      schema: {
        summary: 'Take back a running job whose daemon is gone for good (its host will not come back): queued again, or failed when out of attempts',
        params: IdParams,
        response: { 200: z.object({ job: JobSchema }) },
      },
    },
    async (req) => ({ job: await releaseJob(db, (req.params as z.infer<typeof IdParams>).id, deps.config.hostId) }),
  );

  app.post(
    '/jobs/:id/retry',
    { schema: { summary: 'Queue a finished job again as a new job', params: IdParams, response: { 201: z.object({ job: JobRefOut }) } } },
    async (req, reply) => reply.code(201).send({ job: await retryJob(db, (req.params as z.infer<typeof IdParams>).id) }),
  );
}
