import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { MusterError } from '../errors.js';
import { completeNodeTask } from '../queue/index.js';
import { getNodeByMac, isValidNodeName, macNodeId, parseMac, tryParseMac } from '../nodes/index.js';
import { errorScript, KEEPALIVE, withKeepalive } from '../nodescripts/index.js';
import { written } from '../nodescripts/index.js';
import { recordReport } from '../nodescripts/index.js';
import type { NodescriptService, ScriptReply } from '../nodescripts/index.js';
import { isValidState } from '../nodescripts/index.js';
import { PACKAGE_ROOT } from '../paths.js';

const SHELL = 'text/x-shellscript; charset=utf-8';
/** The node client, read from the package (like the SQL migrations) so dist/ needs no copy. */
export const CLIENT_PATH = join(PACKAGE_ROOT, 'src', 'nodescripts', 'client', 'provisiond.sh');

const ScriptQuery = z.object({
  hwaddr: z.string().max(64).optional(),
  nodeid: z.string().max(64).optional(),
  nodename: z.string().max(128).optional(),
  vnfs: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}@\d{1,9}$/, 'name@revision of the VNFS the node booted')
    .optional()
    .describe('sent by the VNFS overlay: the image revision the node runs'),
});
const ExitStatus = z
  .string()
  .regex(/^\d{1,3}$/, 'a whole number 0-255')
  .transform(Number)
  .pipe(z.number().max(255));
const ReportQuery = z.object({ hwaddr: z.string().max(64), exit: ExitStatus, stop: z.enum(['0', '1']).optional() });
const TaskParams = z.object({
  id: z
    .string()
    .regex(/^[1-9]\d{0,15}$/, 'a job id (a positive whole number)')
    .transform(Number),
});
const TaskQuery = z.object({
  hwaddr: z.string().max(64),
  exit: ExitStatus,
  claim: z
    .string()
    .regex(/^[1-9]\d{0,15}$/, 'a claim number (a positive whole number)')
    .transform(Number)
    .optional(),
});

/** A query/params check for node routes: the node gets the problem in one line. */
function nodeInput<T extends z.ZodType>(schema: T, value: unknown, usage: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new MusterError('NODE_REQUEST_INVALID', `${usage}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

export interface NodescriptRoutesOptions {
  service: NodescriptService;
  /** `#` lines at this interval while a script renders; also how long a reply may wait before streaming */
  keepaliveMs?: number;
}

type Parsed = { state: string; mac: string; nodename?: string; vnfs?: string } | { error: string };

function parseScriptRequest(state: string, query: unknown): Parsed {
  if (!isValidState(state)) return { error: `'${state.slice(0, 64)}' is not a state: use letters, digits and '_' (e.g. init, ready)` };
  const q = ScriptQuery.safeParse(query);
  if (!q.success) return { error: `bad query: ${q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')} (give hwaddr=<MAC> once)` };
  const raw = q.data.hwaddr ?? q.data.nodeid;
  if (raw === undefined) return { error: 'no node given: add ?hwaddr=<MAC> (or nodeid=<MAC>)' };
  const mac = tryParseMac(raw);
  if (mac === null) return { error: `'${raw}' is not a MAC address (aa:bb:cc:dd:ee:ff)` };
  const name = q.data.nodename;
  if (name !== undefined && !isValidNodeName(name)) return { error: `nodename '${name.slice(0, 64)}' is not a valid hostname (letters, digits, '-')` };
  return { state, mac, ...(name === undefined ? {} : { nodename: name }), ...(q.data.vnfs === undefined ? {} : { vnfs: q.data.vnfs }) };
}

/**
 * Node-facing nodescript routes: GET /nodescripts/<state>?hwaddr=<MAC> (the script; always a
 * runnable shell script, an error one on failure), POST /nodescripts/<state>/report (the exit
 * status the node's provisiond saw), POST /tasks/<job id> (a node task's exit status and output)
 * and GET /provisiond (the node client itself).
 */
export function nodescriptRoutes(opts: NodescriptRoutesOptions): (app: FastifyInstance) => Promise<void> {
  const keepaliveMs = opts.keepaliveMs ?? 1000;
  const { service } = opts;
  return async (app) => {
    // busybox wget --post-data and curl -d send this type; the body is opaque text here.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    app.get('/nodescripts/:state', async (req, reply) => {
      const p = parseScriptRequest((req.params as { state: string }).state, req.query);
      if ('error' in p) return reply.code(400).type(SHELL).send(errorScript(p.error));
      // Watched from the start: a client that half-closes or leaves while the script renders
      // closes the response before anything is written.
      const sent = written(reply.raw);
      const work = service.provide({ state: p.state, mac: p.mac, nodename: p.nodename, vnfs: p.vnfs, ip: req.ip, proto: 'http' });
      void Promise.all([work, sent]).then(([r, ok]) => r.settle(ok));
      return sendScript(reply, work, keepaliveMs);
    });

    app.post('/nodescripts/:state/report', { bodyLimit: 16 * 1024 }, async (req, reply) => {
      const state = (req.params as { state: string }).state;
      if (!isValidState(state)) throw new MusterError('STATE_INVALID', `'${state.slice(0, 64)}' is not a state`);
      const q = nodeInput(ReportQuery, req.query, 'report needs ?hwaddr=<MAC>&exit=<0-255>');
      const mac = parseMac(q.hwaddr);
      const node = await getNodeByMac(service.db, mac);
      if (!node || !(await recordReport(service.db, mac, q.exit))) throw new MusterError('NODE_NOT_FOUND', `node ${macNodeId(mac)} is not registered`);
      const reason = printableBody(req.body).trim().slice(-1000);
      const exit = q.exit;
      const stop = q.stop === '1' ? '; its provisiond stops checking in' : '';
      await service.event({
        kind: 'node.report',
        level: exit === 0 ? 'info' : 'warn',
        node: node.name,
        mac,
        message: `${node.name} ran ${state}: exit ${exit}${stop}${reason ? `: ${reason.split('\n').at(-1)}` : ''}`,
        data: { state, exit, stop: q.stop === '1', reason },
      });
      return reply.type('text/plain').send('ok\n');
    });

    // A `node` jig task's outcome, from the muster_task_done function of its ready script.
    app.post('/tasks/:id', { bodyLimit: 64 * 1024 }, async (req, reply) => {
      const usage = 'a task report is POST /tasks/<job id>?hwaddr=<MAC>&exit=<0-255>[&claim=<n>]';
      const { id } = nodeInput(TaskParams, req.params, usage);
      const q = nodeInput(TaskQuery, req.query, usage);
      const state = await completeNodeTask(service.db, id, q.exit, { mac: parseMac(q.hwaddr), claim: q.claim, output: printableBody(req.body) });
      return reply.type('text/plain').send(`job ${id} ${state}\n`);
    });

    let client: string | null = null;
    app.get('/provisiond', async (req, reply) => {
      client ??= readFileSync(CLIENT_PATH, 'utf8');
      // The master this was fetched from becomes the default; the Host header is only used when it is a plain host[:port].
      const host = req.headers.host ?? '';
      const text = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/.test(host)
        ? client.replace("DEFAULT_MASTER=''", `DEFAULT_MASTER='${host}'`)
        : client;
      return reply.type(SHELL).send(text);
    });
  };
}

/** A node's free text (exit reason, task output) as printable ASCII lines. */
function printableBody(body: unknown): string {
  return (typeof body === 'string' ? body : '').replace(/[^\x20-\x7e\n\t]/g, '?');
}

/**
 * A quick render is sent whole (with a Content-Length). A slow one is streamed: `#` lines every
 * keepaliveMs, then the complete script — never part of one.
 */
async function sendScript(reply: FastifyReply, work: Promise<ScriptReply>, keepaliveMs: number): Promise<FastifyReply> {
  let timer: NodeJS.Timeout | undefined;
  const early = await Promise.race([work, new Promise<null>((r) => (timer = setTimeout(() => r(null), keepaliveMs)))]);
  clearTimeout(timer);
  if (early) return reply.type(SHELL).send(early.script);
  const out = new PassThrough();
  const put = (chunk: Buffer | string): void => {
    if (!out.destroyed) out.write(chunk);
  };
  put(KEEPALIVE);
  void withKeepalive(work, keepaliveMs, () => put(KEEPALIVE)).then((r) => {
    put(r.script);
    if (!out.destroyed) out.end();
  });
  return reply.type(SHELL).send(out);
}
