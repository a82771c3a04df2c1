import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { CHUNK } from '../async/index.js';

/**
 * Sends `data` as the JSON the route's zod serializer would write (useZod: parsed by the schema,
 * then stringified), but written in chunks with an event-loop turn between them: the arrays of a
 * 100,000-node answer are parsed and stringified CHUNK elements at a time, so one big response
 * never holds DHCP, TFTP and node HTTP up (issue 8 defect 6).
 */
export function sendJson<S extends z.ZodObject>(reply: FastifyReply, schema: S, data: z.input<S>): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(Readable.from(jsonChunks(schema, data as Record<string, unknown>)));
}

async function* jsonChunks(schema: z.ZodObject, data: Record<string, unknown>): AsyncGenerator<string> {
  let sep = '{';
  for (const [key, field] of Object.entries(schema.shape) as [string, z.ZodType][]) {
    const value = data[key];
    if (field instanceof z.ZodArray && Array.isArray(value)) {
      yield `${sep}${JSON.stringify(key)}:[`;
      for (let i = 0; i < value.length; i += CHUNK) {
        yield (i > 0 ? ',' : '') +
          value
            .slice(i, i + CHUNK)
            .map((v) => JSON.stringify((field.element as z.ZodType).parse(v)))
            .join(',');
        await nextTurn();
      }
      yield ']';
    } else {
      const out = JSON.stringify(field.parse(value));
      if (out === undefined) continue;
      yield `${sep}${JSON.stringify(key)}:${out}`;
    }
    sep = ',';
  }
  yield sep === '{' ? '{}' : '}';
}
