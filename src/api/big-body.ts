import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CHUNK, eachChunked } from '../async/index.js';
import { nulIssue } from './nul.js';

/**
 * Request bodies with a long array (a 100,000-node add) are checked in event-loop turns: the NUL
 * check and the route's zod schema run over the array's elements CHUNK at a time, so one big
 * request never holds DHCP, TFTP and node HTTP up (issue 8 defect 6). The route keeps its zod
 * schema: the validator (useZod) takes the value found here instead of parsing again. A body
 * that fails any check here is left to the validator, which then gives the exact error it
 * always gives (bad input costs one blocking pass, never a different answer).
 */
export function useBigBodies(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser(app.initialConfig.onProtoPoisoning ?? 'error', app.initialConfig.onConstructorPoisoning ?? 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    json(req, body as string, (err, data) => {
      const schema = req.routeOptions.schema?.body;
      if (err || !(schema instanceof z.ZodObject) || !hasLongArray(schema, data)) return done(err, data);
      checkInTurns(schema, data).then(
        (value) => {
          if (value !== null) validated.set(data, value);
          done(null, data);
        },
        (e: Error) => done(e, undefined),
      );
    });
  });
}

/** Bodies checked here, each with the value the schema parsed it to. */
const validated = new WeakMap<object, unknown>();

/** The validator's answer for a body checked here already (once), or null. */
export function validatedBefore(data: unknown): { value: unknown } | null {
  if (typeof data !== 'object' || data === null || !validated.has(data)) return null;
  const value = validated.get(data);
  validated.delete(data);
  return { value };
}

type Body = Record<string, unknown>;

function arrayFields(schema: z.ZodObject): [string, z.ZodArray][] {
  return Object.entries(schema.shape).filter((e): e is [string, z.ZodArray] => e[1] instanceof z.ZodArray);
}

function hasLongArray(schema: z.ZodObject, data: unknown): data is Body {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  // Object-level refinements would see the elements unparsed: such schemas take the one-step path.
  if ((schema._zod.def.checks?.length ?? 0) > 0) return false;
  return arrayFields(schema).some(([k]) => {
    const v = (data as Body)[k];
    return Array.isArray(v) && v.length > CHUNK;
  });
}

/** The parsed body, or null when any check fails. */
async function checkInTurns(schema: z.ZodObject, data: Body): Promise<unknown> {
  const rest: Body = { ...data };
  const parsed: Body = {};
  for (const [k, field] of arrayFields(schema)) {
    const v = data[k];
    if (!Array.isArray(v)) continue;
    delete rest[k];
    const out = new Array<unknown>(v.length);
    let ok = true;
    await eachChunked(v, (el, i) => {
      if (!ok) return;
      const r = nulIssue(el) ? null : (field.element as z.ZodType).safeParse(el);
      if (r?.success) out[i] = r.data;
      else ok = false;
    });
    if (!ok) return null;
    parsed[k] = out;
  }
  if (nulIssue(rest)) return null;
  const r = shellOf(schema).safeParse({ ...data, ...parsed });
  return r.success ? r.data : null;
}

const shells = new WeakMap<z.ZodObject, z.ZodObject>();

/**
 * The schema with each array field's elements taken as they are (parsed already), keeping the
 * array's own checks (min, max).
 */
function shellOf(schema: z.ZodObject): z.ZodObject {
  let shell = shells.get(schema);
  if (!shell) {
    const fields = arrayFields(schema).map(([k, a]) => [k, z.array(z.unknown()).check(...((a._zod.def.checks ?? []) as z.core.$ZodCheck<unknown[]>[]))]);
    shell = schema.extend(Object.fromEntries(fields) as z.ZodRawShape);
    shells.set(schema, shell);
  }
  return shell;
}
